"""Chromium for the bench: launch settings, contexts with the init scripts, the network guard.

No Playwright routing anywhere (``route()`` makes every intercepted fetch cost hundreds of µs
on the page's main thread). The guard is Chromium's resolver instead: every host name but
127.0.0.1 resolves to nothing, and a request listener records any attempt to leave.
"""

from __future__ import annotations

import runpy
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Request

from scripts.bench.catalog import INIT_SCRIPTS, PAGES_DIR, STUB_FETCH_SCRIPT
from scripts.bench.server import Server

ROOT = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT_S = 120.0
GUARD_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def launch_options() -> dict[str, Any]:
    """Return playwright.config.py's launch options plus the resolver guard."""
    settings = runpy.run_path(str(ROOT / "playwright.config.py"))
    options: dict[str, Any] = settings["launch_options"]()
    options["args"] = [*options.get("args", []), *GUARD_ARGS]
    return options


class Session:
    """One browser for the whole run; every context gets the init scripts and the guard."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.escaped: list[str] = []

    def context(self, *, stub_fetch: bool = False) -> BrowserContext:
        """Return a fresh context (empty cache and storage) with the bench's init scripts."""
        context = self.browser.new_context()
        scripts = [*INIT_SCRIPTS, *([STUB_FETCH_SCRIPT] if stub_fetch else [])]
        for name in scripts:
            context.add_init_script(path=PAGES_DIR / name)
        context.on("request", self._watch)
        return context

    def _watch(self, request: Request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOCAL_HOSTS:
            return
        self.escaped.append(url)

    def open(
        self, context: BrowserContext, page_file: str, timeout_s: float = BOOT_TIMEOUT_S
    ) -> tuple[Page, float]:
        """Load a page file in ``context``; return the page and its ready time (page ms)."""
        page = context.new_page()
        page.goto(self.server.url(page_file))
        return page, wait_ready(page, timeout_s)


def wait_ready(page: Page, timeout_s: float = BOOT_TIMEOUT_S) -> float:
    """Poll until the page set ``window.__ready``; raise on ``window.__bootError``."""
    deadline = time.monotonic() + timeout_s
    while True:
        ready, error = page.evaluate("[window.__ready || null, window.__bootError || null]")
        if error:
            raise RuntimeError(f"{page.url}: boot failed: {error}")
        if ready:
            return float(ready)
        if time.monotonic() > deadline:
            raise TimeoutError(f"{page.url} did not become ready in {timeout_s} s")
        page.wait_for_timeout(20)


def heartbeat_gaps(page: Page) -> list[list[float]]:
    """Return the heartbeat's gaps over 10 ms so far, as [start, length] (page ms)."""
    gaps: list[list[float]] = page.evaluate("window.__hb.gaps.slice()")
    return gaps


def cdp_memory(context: BrowserContext, page: Page) -> dict[str, float | None]:
    """Return the JS heap after a forced GC (CDP) and Pyodide's wasm memory, in MB."""
    cdp = context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.enable")
        cdp.send("HeapProfiler.collectGarbage")
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    finally:
        cdp.detach()
    wasm = page.evaluate(
        "(() => { const m = window.xo && xo.pyodide && xo.pyodide._module;"
        " return m && m.HEAP8 ? m.HEAP8.buffer.byteLength : null; })()"
    )
    return {
        "js_heap_used_mb": round(metrics.get("JSHeapUsedSize", 0) / 2**20, 2),
        "wasm_memory_mb": round(wasm / 2**20, 2) if wasm else None,
    }
