#!/usr/bin/env python3
"""Benchmark xo_web against bare Pyodide and the official JS SDK, in headless Chromium.

    make bench                                   # builds the bundle, then runs this
    .venv/bin/python scripts/bench.py [--bundle build/xo] [--runs 5]

Not a test: it asserts nothing about the figures. It prints ONE JSON object (medians over
``--runs`` runs, all in one browser) and exits 0; non-zero only on a crash or when a request
tried to leave 127.0.0.1 (other than the intercepted XO collector). See docs/performance.md.

One local server (uvicorn on 127.0.0.1, in a thread) serves everything from one origin: the
bench pages, the bundle under /xo/ and the reference SDK under /reference/ (both with
ETag/Last-Modified and ``Cache-Control: max-age``, identically for every page), the demo
collector (``demo.collector.create_app``) under /collect/, and a minimal counting sink under
/sink/ (answers 200 at once: throughput of the SDK, not of SQLite).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import runpy
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse, JSONResponse, Response  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402
from starlette.staticfiles import StaticFiles  # noqa: E402
from starlette.types import Receive, Scope, Send  # noqa: E402

from demo.collector import create_app  # noqa: E402
from tests.support.browser import Network  # noqa: E402

try:  # optional: brotli sizes are reported only when the module is installed
    import brotli as _brotli  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - depends on the machine
    _brotli = None

TRACKER_KEY = "bench"
CACHE_CONTROL = "public, max-age=3600"
BOOT_TIMEOUT_S = 120.0
SETTLE_MS = 1000  # idle time after each boot, before the next measured load
BREAKDOWN_RUNS = 3  # the step-by-step boot and the paced bursts run at most this often
DRAIN_S = 20.0  # after a burst stops issuing, how long delivery may take
TARGETS = {
    "boot_ratio_warm": "<= 1.25",
    "call_ratio": "<= 3",
    "longest_task_caused_by_sends_ms": "<= 50",
    "first_visit_bytes_vs_bare_plus_wheels": "<= 1.15",
}
CONTENT_TYPES = {
    ".mjs": "text/javascript; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
}

# -- pages -------------------------------------------------------------------------------

# First thing on every page, before xo.js / Pyodide: record long tasks (buffered).
LONGTASK_SNIPPET = """<script>
window.__lt = [];
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) { window.__lt.push([e.startTime, e.duration]); });
  }).observe({type: "longtask", buffered: true});
} catch (e) { window.__ltError = String(e); }
</script>"""

# Shared page helpers: the activity used by every send, the timed loop and the paced burst.
HELPERS = """<script>
window.__bench = {
  activity: function (i) {
    return {action: "view", target: {product: "p-" + i, pathToPage: "/product/p-" + i},
            metadata: {price: 1999, quantity: 1, currency: "EUR"}};
  },
  // n sends in ONE task (a fresh setTimeout task, so the long-task observer attributes it);
  // only the synchronous loop is timed; the promises are awaited afterwards.
  timed: function (send, n) {
    return new Promise(function (resolve) {
      setTimeout(function () {
        var acts = [];
        for (var i = 0; i < n; i++) acts.push(__bench.activity(i));
        var ps = new Array(n);
        var t0 = performance.now();
        for (var j = 0; j < n; j++) ps[j] = send(acts[j]);
        var t1 = performance.now();
        __bench.settle(ps).then(function (s) { s.t0 = t0; s.t1 = t1; resolve(s); });
      }, 0);
    });
  },
  // n sends, `chunk` per task (setTimeout chain): what a busy page does; long tasks here
  // are caused by the sends and their delivery, not by one artificial 1,000-call loop.
  // Stops issuing after `budgetMs` (if given): a slow SDK must not make the bench endless.
  paced: function (send, n, chunk, budgetMs) {
    return new Promise(function (resolve) {
      var ps = [], i = 0, t0 = performance.now(), maxCall = 0;
      var deadline = budgetMs ? t0 + budgetMs : Infinity;
      function step() {
        if (performance.now() > deadline) n = i;
        for (var k = 0; k < chunk && i < n; k++, i++) {
          var a = __bench.activity(i), c0 = performance.now();
          ps.push(send(a));
          maxCall = Math.max(maxCall, performance.now() - c0);
        }
        if (i < n) { setTimeout(step, 0); return; }
        var t1 = performance.now();
        __bench.settle(ps).then(function (s) {
          s.t0 = t0; s.t1 = t1; s.maxCallMs = maxCall; s.issued = i; resolve(s);
        });
      }
      setTimeout(step, 0);
    });
  },
  settle: function (ps) {
    return Promise.allSettled(ps.map(function (p) { return Promise.resolve(p); }))
      .then(function (rs) {
        var ok = 0, failed = 0, firstError = null;
        rs.forEach(function (r) {
          var v = r.value;
          if (r.status === "fulfilled" && v && v.ok !== false && !(v.status >= 400)) ok++;
          else { failed++; if (!firstError) firstError = String(r.reason || JSON.stringify(v)); }
        });
        return {ok: ok, failed: failed, firstError: firstError, t2: performance.now()};
      });
  },
  storage: function () {
    var chars = 0, keys = 0, outbox = 0;
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i), v = localStorage.getItem(k) || "";
      chars += k.length + v.length; keys++;
      if (k.indexOf("attraqt") === 0) outbox++;
    }
    return {keys: keys, attraqtKeys: outbox, chars: chars};
  },
};
</script>"""


def _page(body: str) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>bench</title>'
        f"{LONGTASK_SNIPPET}</head><body>{body}{HELPERS}</body></html>"
    )


def _runtime_options(origin: str) -> str:
    runtime = f"{origin}/xo/pyodide/"
    return (
        f'{{indexURL: "{runtime}", lockFileURL: "{runtime}pyodide-lock.json", '
        f'packageBaseUrl: "{runtime}"}}'
    )


def build_pages(origin: str) -> dict[str, str]:
    """Return the bench pages by name (served at /bench/<name>.html)."""
    ready = (
        "<script>xo.ready.then(function () { window.__ready = performance.now(); },"
        " function (e) { window.__bootError = String(e); });</script>"
    )
    identity = (
        "<script>xo.activity.addUserIdentity('ecommerceId', 'c-1');"
        "xo.activity.addUserSegment('vip'); xo.activity.addUserTrait('tier', 'gold');</script>"
    )
    return {
        # The SDK as a storefront loads it; collector = the real XO URL, intercepted.
        "xo": _page(
            f'<script src="/xo/xo.js" data-tracker-key="{TRACKER_KEY}" data-region="eu">'
            f"</script>{ready}{identity}"
        ),
        # Same, delivering to the demo collector on this origin.
        "xo-collector": _page(
            f'<script src="/xo/xo.js" data-tracker-key="{TRACKER_KEY}" '
            f'data-collect-url="{origin}/collect"></script>{ready}{identity}'
        ),
        # Same, delivering to the counting sink on this origin.
        "xo-sink": _page(
            f'<script src="/xo/xo.js" data-tracker-key="{TRACKER_KEY}" '
            f'data-collect-url="{origin}/sink"></script>{ready}{identity}'
        ),
        # Bare Pyodide, loaded the way xo.js loads it, without packages.
        "bare": _page(
            '<script>import("/xo/pyodide/pyodide.mjs")'
            f".then(function (m) {{ return m.loadPyodide({_runtime_options(origin)}); }})"
            ".then(function (p) { window.__pyodide = p; window.__ready = performance.now(); },"
            " function (e) { window.__bootError = String(e); });</script>"
        ),
        # xo.js's boot, one step at a time, with a mark after each.
        "breakdown": _page(
            '<script src="/xo/xo.js" data-boot="false"></script><script>'
            "(async function () {"
            "  var T = {}; function mark(k) { T[k] = performance.now(); }"
            "  try {"
            '    var m = await import("/xo/pyodide/pyodide.mjs"); mark("loader_module");'
            f"    var py = await m.loadPyodide({_runtime_options(origin)}); mark('runtime');"
            '    await py.loadPackage(["xo_web"], {messageCallback: function () {}});'
            "    mark('wheels');"
            "    py.runPython('import pydantic_core'); mark('import_pydantic_core');"
            "    py.runPython('import pydantic; from pydantic import BaseModel');"
            "    mark('import_pydantic');"
            "    py.runPython('import xo_web.models'); mark('import_xo_web_models');"
            "    py.runPython('import xo_web'); mark('import_xo_web');"
            "    py.runPython('import xo_web.browser'); mark('import_xo_web_browser');"
            f"    py.pyimport('xo_web.browser').install({{trackerKey: '{TRACKER_KEY}'}});"
            "    await xo.ready; mark('install');"
            "    window.__T = T; window.__ready = performance.now();"
            "  } catch (e) { window.__bootError = String(e); }"
            "})();</script>"
        ),
        # The official JS SDK (@attraqt/activity 1.7.1), bundled by scripts/build-reference-sdk.
        "reference": _page(
            '<script src="/reference/attraqt-activity.js"></script><script>'
            "window.ref = new AttraqtReference.Activity();"
            f"ref.init({{trackerKey: '{TRACKER_KEY}', region: 'eu'}});"
            "ref.addUserIdentity('ecommerceId', 'c-1'); ref.addUserSegment('vip');"
            "ref.addUserTrait('tier', 'gold'); window.__ready = performance.now();</script>"
        ),
    }


# -- the server --------------------------------------------------------------------------


class CachedStatic(StaticFiles):
    """StaticFiles (ETag, Last-Modified, 304s) plus an explicit max-age and exact MIME types."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = CACHE_CONTROL
        suffix = Path(path).suffix
        if suffix in CONTENT_TYPES and response.status_code == 200:
            response.headers["Content-Type"] = CONTENT_TYPES[suffix]
        return response


@dataclass
class Recorder:
    """ASGI wrapper: logs every request path and counts activities accepted by /collect."""

    app: Any
    paths: list[str] = field(default_factory=list)
    collected: int = 0
    sunk: int = 0
    posts: int = 0
    first_post: float | None = None
    last_post: float | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        self.paths.append(path)
        if scope["method"] != "POST" or not path.startswith("/collect/"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        status: list[int] = []

        async def receive_body() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def send_status(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive_body, send_status)
        if status and 200 <= status[0] < 300:
            self.collected += _count(b"".join(chunks))
            self._stamp()

    def _stamp(self) -> None:
        now = time.monotonic()
        self.posts += 1
        self.first_post = self.first_post if self.first_post is not None else now
        self.last_post = now

    def reset_counts(self) -> None:
        self.collected = self.sunk = self.posts = 0
        self.first_post = self.last_post = None

    def take_paths(self) -> list[str]:
        paths, self.paths = self.paths, []
        return paths


def _count(body: bytes) -> int:
    try:
        value = json.loads(body)
    except ValueError:
        return 0
    return len(value) if isinstance(value, list) else 1


@dataclass
class BenchServer:
    origin: str
    recorder: Recorder
    pages: dict[str, str]


@contextmanager
def serve(bundle: Path, reference_dir: Path, data_dir: Path) -> Iterator[BenchServer]:
    """Run the bench app on 127.0.0.1 (free port) in a thread; yield its origin and recorder."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    pages = build_pages(origin)
    holder: dict[str, Recorder] = {}

    async def page(request: Request) -> Response:
        body = pages.get(request.path_params["name"])
        if body is None:
            return Response("not found", status_code=404)
        # Identical (uncached) headers for every page: only the bundle files are cacheable.
        return HTMLResponse(body, headers={"Cache-Control": "no-cache"})

    async def sink(request: Request) -> Response:
        body = await request.body()
        recorder = holder["recorder"]
        recorder.sunk += _count(body)
        recorder._stamp()
        return JSONResponse({"profiles": {}})

    app = create_app(
        data_dir=data_dir,
        tracker_keys={TRACKER_KEY},
        allowed_origins=[origin],
        static_routes=[
            Route("/bench/{name}.html", page, methods=["GET"]),
            Route("/sink/{tracker_key}", sink, methods=["POST"]),
            Mount("/xo", app=CachedStatic(directory=bundle)),
            Mount("/reference", app=CachedStatic(directory=reference_dir)),
        ],
    )
    recorder = holder["recorder"] = Recorder(app)
    config = uvicorn.Config(
        recorder, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the bench server did not start")
        time.sleep(0.02)
    try:
        yield BenchServer(origin, recorder, pages)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# -- browser helpers ---------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def wait_ready(page: Page, timeout_s: float = BOOT_TIMEOUT_S) -> float:
    """Poll (inside Playwright, so routes run) until the page set window.__ready."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = page.evaluate("[window.__ready || null, window.__bootError || null]")
        if state[1]:
            raise RuntimeError(f"{page.url}: boot failed: {state[1]}")
        if state[0]:
            return float(state[0])
        if time.monotonic() > deadline:
            raise TimeoutError(f"{page.url} did not boot in {timeout_s} s")
        page.wait_for_timeout(20)


def longtasks(page: Page, start: float = 0.0, end: float = float("inf")) -> list[list[float]]:
    """Long tasks ([startTime, duration]) that overlap [start, end] (page clock, ms)."""
    tasks: list[list[float]] = page.evaluate("window.__lt")
    return [t for t in tasks if t[0] <= end and t[0] + t[1] >= start]


def longest(tasks: list[list[float]]) -> float:
    return round(max((t[1] for t in tasks), default=0.0), 1)


def resource_timeline(page: Page) -> dict[str, Any]:
    """Where the boot's fetches happened (Resource Timing, ms from navigation)."""
    entries: list[dict[str, Any]] = page.evaluate(
        "performance.getEntriesByType('resource').map(e => ({name: e.name, start: e.startTime,"
        " end: e.responseEnd, size: e.transferSize}))"
    )
    out: dict[str, Any] = {}
    wheels = [e for e in entries if e["name"].endswith(".whl")]
    for e in entries:
        name = e["name"].rsplit("/", 1)[-1]
        if not name.endswith(".whl"):
            out[name] = [round(e["start"]), round(e["end"])]
    if wheels:
        out["wheels(first start, last end)"] = [
            round(min(e["start"] for e in wheels)),
            round(max(e["end"] for e in wheels)),
        ]
    return out


def cdp_heap(context: BrowserContext, page: Page) -> dict[str, Any]:
    """JS heap after a forced GC (CDP), plus Pyodide's wasm memory size."""
    session = context.new_cdp_session(page)
    try:
        session.send("HeapProfiler.enable")
        session.send("HeapProfiler.collectGarbage")
        session.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    finally:
        session.detach()
    wasm = page.evaluate(
        "(() => { const m = window.xo && xo.pyodide && xo.pyodide._module;"
        " return m && m.HEAP8 ? m.HEAP8.buffer.byteLength : null; })()"
    )
    return {
        "js_heap_used_mb": round(metrics.get("JSHeapUsedSize", 0) / 2**20, 2),
        "js_heap_total_mb": round(metrics.get("JSHeapTotalSize", 0) / 2**20, 2),
        "wasm_memory_mb": round(wasm / 2**20, 2) if wasm else None,
    }


class Session:
    """One browser for the whole run; every context gets the network guard."""

    def __init__(self, browser: Browser, server: BenchServer) -> None:
        self.browser = browser
        self.server = server
        self.networks: list[Network] = []

    def context(self) -> BrowserContext:
        context = self.browser.new_context()
        self.networks.append(Network().install(context))
        return context

    def url(self, name: str) -> str:
        return f"{self.server.origin}/bench/{name}.html"

    def blocked(self) -> list[str]:
        return [url for n in self.networks for url in n.blocked]


# -- measurements ------------------------------------------------------------------------


def measure_boot(session: Session, runs: int) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Cold (fresh context) then warm (same context, second load), alternating pages."""
    times: dict[str, list[float]] = {}
    tasks: dict[str, list[float]] = {}
    timelines: dict[str, Any] = {}
    fetched: dict[str, list[str]] = {}
    marks: dict[str, list[float]] = {}
    for run in range(runs):
        for name in ("bare", "xo", "breakdown") if run < BREAKDOWN_RUNS else ("bare", "xo"):
            context = session.context()
            for phase in ("cold", "warm"):
                session.server.recorder.take_paths()
                page = context.new_page()
                page.goto(session.url(name))
                ready = wait_ready(page)
                page.wait_for_timeout(SETTLE_MS)  # background compiles, cache writes
                key = f"{name}_{phase}"
                times.setdefault(key, []).append(ready)
                tasks.setdefault(key, []).append(longest(longtasks(page, 0, ready)))
                if name == "breakdown":
                    stamps: dict[str, float] = page.evaluate("window.__T")
                    previous = 0.0
                    for step, stamp in stamps.items():
                        marks.setdefault(f"{phase}:{step}", []).append(stamp - previous)
                        previous = stamp
                if run == 0:
                    timelines[key] = resource_timeline(page)
                    if phase == "cold":
                        page.wait_for_timeout(300)
                        fetched[name] = session.server.recorder.take_paths()
                page.close()
            context.close()
    boot: dict[str, Any] = {}
    for phase in ("cold", "warm"):
        boot_ms = _median(times[f"xo_{phase}"])
        bare_ms = _median(times[f"bare_{phase}"])
        boot[phase] = {
            "boot_ms": boot_ms,
            "bare_ms": bare_ms,
            "boot_ratio": _ratio(boot_ms, bare_ms),
            "longest_task_during_boot_ms": _median(tasks[f"xo_{phase}"]),
            "longest_task_during_bare_boot_ms": _median(tasks[f"bare_{phase}"]),
            "all_runs_boot_ms": [round(t) for t in times[f"xo_{phase}"]],
            "all_runs_bare_ms": [round(t) for t in times[f"bare_{phase}"]],
        }
    boot["breakdown_step_by_step_ms"] = {
        phase: {
            k.split(":", 1)[1]: _median(v) for k, v in marks.items() if k.startswith(phase + ":")
        }
        | {"total": _median(times[f"breakdown_{phase}"])}
        for phase in ("cold", "warm")
    }
    boot["fetch_timeline_first_run_ms"] = timelines
    return boot, fetched


def measure_calls(session: Session, runs: int, calls: int) -> dict[str, Any]:
    """Synchronous main-thread time of send() from page JS: xo_web vs the JS SDK."""
    sends = {"xo": "xo.activity.send.bind(xo.activity)", "reference": "ref.send.bind(ref)"}
    per_call: dict[str, list[float]] = {}
    loop_tasks: dict[str, list[float]] = {}
    after_tasks: dict[str, list[float]] = {}
    paced_tasks: dict[str, list[float]] = {}
    paced_max_call: dict[str, list[float]] = {}
    outcomes: dict[str, dict[str, Any]] = {
        name: {"sends": 0, "ok": 0, "not_ok": 0, "first_not_ok": None} for name in sends
    }

    def tally(name: str, settled: dict[str, Any]) -> None:
        seen = outcomes[name]
        seen["sends"] += settled["ok"] + settled["failed"]
        seen["ok"] += settled["ok"]
        seen["not_ok"] += settled["failed"]
        seen["first_not_ok"] = seen["first_not_ok"] or settled["firstError"]

    crossing: list[float] = []
    contexts = {name: session.context() for name in sends}
    networks = dict(zip(sends, session.networks[-len(sends) :], strict=True))
    pages = {name: contexts[name].new_page() for name in sends}
    for name, page in pages.items():
        page.goto(session.url(name))
        wait_ready(page)
        page.evaluate(f"__bench.timed({sends[name]}, 50)")  # warm-up (JIT, first fetches)
    for run in range(runs):
        for name, page in pages.items():
            result = page.evaluate(f"__bench.timed({sends[name]}, {calls})")
            page.wait_for_timeout(300)  # let delivery's trailing tasks finish
            tally(name, result)
            per_call.setdefault(name, []).append((result["t1"] - result["t0"]) * 1000 / calls)
            loop = longtasks(page, result["t0"], result["t1"])
            loop_tasks.setdefault(name, []).append(longest(loop))
            after = [t for t in longtasks(page, result["t1"], result["t2"] + 300) if t not in loop]
            after_tasks.setdefault(name, []).append(longest(after))
            if run >= BREAKDOWN_RUNS:
                continue
            paced = page.evaluate(f"__bench.paced({sends[name]}, {calls}, 10)")
            page.wait_for_timeout(300)
            paced_tasks.setdefault(name, []).append(
                longest(longtasks(page, paced["t0"], paced["t2"] + 300))
            )
            paced_max_call.setdefault(name, []).append(paced["maxCallMs"])
            tally(name, paced)
    # The bare JS -> Python -> JS crossing: a getter through the same dispatch path.
    for _ in range(runs):
        crossing.append(
            pages["xo"].evaluate(
                "(() => { const t0 = performance.now();"
                f" for (let i = 0; i < {calls}; i++) xo.activity.getSessionId();"
                f" return (performance.now() - t0) * 1000 / {calls}; }})()"
            )
        )
    xo_us, ref_us = _median(per_call["xo"]), _median(per_call["reference"])
    out = {
        "calls_per_run": calls,
        "xo_us_per_call": xo_us,
        "js_sdk_us_per_call": ref_us,
        "call_ratio": _ratio(xo_us, ref_us),
        "xo_getter_roundtrip_us": _median(crossing),
        "longest_task_in_timed_loop_ms": {n: _median(v) for n, v in loop_tasks.items()},
        "longest_task_delivering_after_loop_ms": {n: _median(v) for n, v in after_tasks.items()},
        "paced_burst_longest_task_ms": {n: _median(v) for n, v in paced_tasks.items()},
        "paced_burst_longest_single_call_ms": {n: _median(v) for n, v in paced_max_call.items()},
        "send_promise_outcomes": outcomes,
    }
    for name, page in pages.items():
        page.wait_for_timeout(2000)
        outcomes[name]["delivered_to_collector"] = len(networks[name].activities) - 50
    out["profile"] = profile_send_path(pages["xo"])
    for context in contexts.values():
        context.close()
    return out


PROFILE_SNIPPET = r"""
import asyncio, cProfile, io, json, pstats, time
import js
from xo_web import activity as tracker, models, browser

N = 300
ACT = {"action": "view", "target": {"product": "p-1", "pathToPage": "/product/p-1"},
       "metadata": {"price": 1999, "quantity": 1, "currency": "EUR"}}
out = {}

def timeit(name, fn, n=N):
    try:
        fn()
        t = time.perf_counter()
        for _ in range(n):
            fn()
        out[name] = round((time.perf_counter() - t) / n * 1e6, 1)
    except Exception as e:
        out[name] = f"error: {e!r}"

js_act = js.JSON.parse(json.dumps(ACT))
timeit("js_to_py_argument_conversion_us", lambda: browser._to_py(js_act))
timeit("js_to_py_via_json_us", lambda: json.loads(js.JSON.stringify(js_act)))
timeit("parse_activities_pydantic_us", lambda: models.parse_activities(ACT))
parsed = models.parse_activities(ACT)[0]
timeit("to_wire_us", lambda: models.to_wire(parsed))
timeit("user_snapshot_us", lambda: tracker._user.snapshot())
wire = tracker.prepare(ACT)
timeit("check_activity_size_json_us", lambda: models.check_activity_size(dict(wire[0])))
timeit("prepare_total_us", lambda: tracker.prepare(ACT))
timeit("json_dumps_batch_us", lambda: models.dumps(wire))
timeit("tracking_refused_check_us", lambda: tracker._tracking_refused())
timeit("is_opted_out_us", lambda: tracker.is_opted_out)

async def _nothing():
    return None

loop = asyncio.get_event_loop()
timeit("create_task_us", lambda: loop.create_task(_nothing()))
timeit("promise_for_outcome_us", lambda: browser._send_answer(_nothing()))
timeit("to_js_answer_dict_us", lambda: browser._to_js(
    {"ok": True, "value": None, "kind": "", "message": ""}))

profiler = cProfile.Profile()
profiler.enable()
for _ in range(N):
    tracker.prepare(ACT)
profiler.disable()
stream = io.StringIO()
pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(10)
lines = [l.rstrip() for l in stream.getvalue().splitlines() if l.strip()]
out["cprofile_prepare_by_tottime"] = lines[-11:]

# The whole synchronous send, in one task: the queue cannot drain in between, so this also
# shows how the cost grows with the number of entries waiting in the outbox.
each = []
profiler = cProfile.Profile()
for i in range(N):
    if i == N - 100:
        profiler.enable()
    t = time.perf_counter()
    tracker.send(ACT)
    each.append((time.perf_counter() - t) * 1e6)
profiler.disable()
out["send_us_first_20"] = round(sum(each[:20]) / 20, 1)
out["send_us_last_20_of_%d" % N] = round(sum(each[-20:]) / 20, 1)
stream = io.StringIO()
pstats.Stats(profiler, stream=stream).sort_stats("cumtime").print_stats(14)
lines = [l.rstrip() for l in stream.getvalue().splitlines() if l.strip()]
out["cprofile_last_100_sends_by_cumtime"] = lines[-15:]
json.dumps(out)
"""


def profile_send_path(page: Page) -> dict[str, Any]:
    """Time the pieces of the synchronous send path inside Pyodide (time.perf_counter)."""
    raw = page.evaluate("code => xo.pyodide.runPython(code)", PROFILE_SNIPPET)
    page.wait_for_timeout(3000)  # let the create_task / promise stubs and the sends run out
    result: dict[str, Any] = json.loads(raw)
    return result


def measure_throughput(session: Session, target: str, sends: int, timeout_s: float) -> Any:
    """Burst of `sends` (100 per task) to a local endpoint; memory and storage around it."""
    recorder = session.server.recorder
    context = session.context()
    page = context.new_page()
    page.goto(session.url(target))
    wait_ready(page)
    page.evaluate("__bench.timed(xo.activity.send.bind(xo.activity), 20)")  # warm-up
    page.wait_for_timeout(500)
    before = cdp_heap(context, page) | {"local_storage": page.evaluate("__bench.storage()")}
    recorder.reset_counts()
    counter: Callable[[], int] = (
        (lambda: recorder.sunk) if target == "xo-sink" else (lambda: recorder.collected)
    )
    start = time.monotonic()
    page.evaluate(  # not awaited: poll window.__burstDone instead
        f"() => {{ __bench.paced(xo.activity.send.bind(xo.activity), {sends}, 100,"
        f" {timeout_s * 1000}).then(r => (window.__burstDone = r)); }}"
    )
    peak_storage = 0
    done: dict[str, Any] | None = None
    # Issuing stops after timeout_s (in the page); then allow DRAIN_S for delivery.
    while time.monotonic() - start < timeout_s + DRAIN_S:
        page.wait_for_timeout(250)
        peak_storage = max(peak_storage, page.evaluate("__bench.storage().chars"))
        done = page.evaluate("window.__burstDone || null")
        if done is not None and counter() >= done["issued"]:
            break
    elapsed = time.monotonic() - start
    page.wait_for_timeout(1000)
    after = cdp_heap(context, page) | {"local_storage": page.evaluate("__bench.storage()")}
    delivered = counter()
    span = (
        (recorder.last_post - start) if recorder.last_post is not None else None
    )  # first send to last activity received
    result = {
        "sends_requested": sends,
        "sends_issued": done["issued"] if done else None,
        "delivered": delivered,
        "completed": done is not None and delivered >= done["issued"],
        "requests": recorder.posts,
        "activities_per_request": round(delivered / recorder.posts, 2) if recorder.posts else None,
        "seconds_to_last_delivery": round(span, 2) if span else None,
        "activities_per_second": round(delivered / span, 1) if span else None,
        "page_promises": None
        if done is None
        else {
            "ok": done["ok"],
            "failed": done["failed"],
            "first_error": done["firstError"],
            "issue_ms": round(done["t1"] - done["t0"]),
            "all_settled_ms": round(done["t2"] - done["t0"]),
        },
        "longest_task_during_burst_ms": longest(
            longtasks(page, done["t0"], done["t2"]) if done else longtasks(page)
        ),
        "memory_before": before,
        "memory_after": after,
        "peak_local_storage_chars": peak_storage,
        "wall_s": round(elapsed, 1),
    }
    context.close()
    return result


def transfer_sizes(fetched: dict[str, list[str]], server: BenchServer, bundle: Path) -> Any:
    """Bytes of a first visit: raw, gzip -6 and (if available) brotli, from the served files."""

    def body_of(path: str) -> bytes | None:
        if path.startswith("/xo/"):
            file = bundle / path[len("/xo/") :]
            return file.read_bytes() if file.is_file() else None
        if path.startswith("/bench/"):
            return server.pages[path[len("/bench/") : -len(".html")]].encode()
        return None

    def sizes(paths: list[str]) -> dict[str, int]:
        raw = gz = br = 0
        for path in dict.fromkeys(paths):
            body = body_of(path)
            if body is None:
                continue
            raw += len(body)
            gz += len(gzip.compress(body, compresslevel=6))
            if _brotli is not None:
                br += len(_brotli.compress(body))
        out = {"raw": raw, "gzip6": gz}
        if _brotli is not None:
            out["brotli"] = br
        return out

    xo_paths, bare_paths = fetched["xo"], fetched["bare"]
    wheels = sorted(p for p in set(xo_paths) if p.endswith(".whl"))
    result: dict[str, Any] = {
        "xo_page": sizes(xo_paths) | {"files": len(set(xo_paths))},
        "bare_page": sizes(bare_paths) | {"files": len(set(bare_paths))},
        "wheels": {p.rsplit("/", 1)[-1]: sizes([p]) for p in wheels},
        "wheels_total": sizes(wheels),
        "xo_only_non_wheel_files": sorted(
            p for p in set(xo_paths) - set(bare_paths) if not p.endswith(".whl")
        ),
        "brotli": "not installed (pip install brotli)" if _brotli is None else "yes",
    }
    for kind in ("raw", "gzip6", "brotli"):
        if kind in result["xo_page"]:
            budget = result["bare_page"][kind] + result["wheels_total"][kind]
            result[f"ratio_vs_bare_plus_wheels_{kind}"] = _ratio(result["xo_page"][kind], budget)
    return result


# -- main --------------------------------------------------------------------------------


def build_reference(out_dir: Path) -> None:
    subprocess.run(
        [
            "node",
            str(ROOT / "scripts" / "build-reference-sdk.mjs"),
            str(out_dir / "attraqt-activity.js"),
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--bundle", type=Path, default=ROOT / "build" / "xo")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--calls", type=int, default=1000, help="send() calls per timed loop")
    parser.add_argument("--burst", type=int, default=10_000, help="sends in the throughput burst")
    parser.add_argument(
        "--collector-timeout",
        type=float,
        default=45.0,
        help="stop issuing the burst after this many seconds (then allow 20 s to deliver)",
    )
    parser.add_argument(
        "--sink", action="store_true", help="also burst to a minimal counting sink (no SQLite)"
    )
    args = parser.parse_args(argv)
    bundle = args.bundle.resolve()
    if not (bundle / "xo.js").is_file():
        print(f"{bundle} is not a built bundle: run `make bundle`", file=sys.stderr)
        return 2
    settings = runpy.run_path(str(ROOT / "playwright.config.py"))
    started = time.monotonic()
    load_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="xo-bench-") as tmp:
        reference_dir = Path(tmp) / "reference"
        build_reference(reference_dir)
        with serve(bundle, reference_dir, Path(tmp) / "collector") as server:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(**settings["launch_options"]())
                session = Session(browser, server)

                def log(msg: str) -> None:
                    print(f"[bench {time.monotonic() - started:5.0f}s] {msg}", file=sys.stderr)

                log("boot: bare Pyodide vs xo.js vs step-by-step, cold and warm")
                boot, fetched = measure_boot(session, args.runs)
                log("send(): xo_web vs the JS SDK")
                calls = measure_calls(session, args.runs, args.calls)
                throughput: dict[str, Any] = {}
                if args.sink:
                    log(f"throughput: {args.burst} sends to the counting sink")
                    throughput["counting_sink"] = measure_throughput(
                        session, "xo-sink", args.burst, args.collector_timeout
                    )
                log(f"throughput: {args.burst} sends to the demo collector")
                throughput["demo_collector"] = measure_throughput(
                    session, "xo-collector", args.burst, args.collector_timeout
                )
                version = browser.version
                browser.close()
            blocked = session.blocked()
            report = {
                "browser": f"chromium {version}",
                "machine": {
                    "cpus": os.cpu_count(),
                    "loadavg_start": load_start,
                    "loadavg_end": [round(x, 2) for x in os.getloadavg()],
                },
                "runs": args.runs,
                "cache_headers": {
                    "bundle_files": f"ETag + Last-Modified + Cache-Control: {CACHE_CONTROL}",
                    "pages": "no-cache",
                },
                "boot_ratio": boot,
                "call_ratio": calls,
                "first_visit_bytes": transfer_sizes(fetched, server, bundle),
                "throughput": throughput,
                "targets": TARGETS,
                "network_guard": {"ok": not blocked, "blocked": blocked},
                "seconds": round(time.monotonic() - started, 1),
            }
    print(json.dumps(report, indent=2))
    return 0 if not blocked else 3


if __name__ == "__main__":
    raise SystemExit(main())
