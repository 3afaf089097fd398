"""Measure boot levers: main-thread blocking and boot-to-ready of xo_web next to bare Pyodide.

Usage::

    .venv/bin/python scripts/boot_levers.py LABEL=BUNDLE_DIR [LABEL=BUNDLE_DIR ...] [--runs 5]

Each bundle (built with ``--base-url /<label>/``... any base works: pages here load it by
path) is served on 127.0.0.1 with long-lived caching, and every round opens, in one warm
browser context, a bare ``loadPyodide()`` page and the bundle's pages (``xo.js`` default mode,
``xo.js`` worker mode, ``steps``: ``loadPyodide`` with the packages, then
``pyimport("xo_web.adapters.browser")`` and ``install()`` with ``performance.now()`` spans
around each (synchronous: blocking by construction) and the heartbeat's blocking and longest
gap from the runtime's end to ready (xo_web's own, read in the same page); ``sliced``: the
same after importing ``BOOT_MODULES`` in slices as ``xo.js`` does; ``wheels``: the runtime,
then the wheels pydantic-core does not need, pydantic-core's, then pydantic's and xo_web's,
each timed and with its heartbeat blocking). A ``setTimeout(0)`` heartbeat started by an init
script measures blocking: every gap over 50 ms counts ``gap - 50`` (total blocking time).
Printed: medians (and minimums: contention on a shared machine only adds time) per page, the
ratio to the bare page of the same round (median of per-round ratios), the first ``send()``
call's span right at ready, and the heartbeat blocking in the 2 s after ready (idle-time
warm-up included). The first round warms the cache and is not counted. Pages and links go
to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from xo_web.bundler.boot_modules import BOOT_MODULES

ROOT = Path(__file__).resolve().parents[1]
HEARTBEAT = """
try { localStorage.clear(); } catch (e) {}  // each boot starts with no outbox left over
window.__gaps = []; (function () {
  var last = performance.now();
  function tick() {
    var now = performance.now();
    if (now - last > 50) window.__gaps.push([last, now]);
    last = now; setTimeout(tick, 0);
  }
  setTimeout(tick, 0);
})();
"""
BARE = """<!doctype html><script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
await loadPyodide({indexURL: new URL("./pyodide/", location.href).href});
window.__ready = performance.now();
</script>"""
XO = """<!doctype html><script src="./xo.js" data-tracker-key="k" %s></script>
<script>xo.ready.then(function () {
  window.__ready = performance.now();
  var t0 = performance.now();
  var sent = xo.activity.send({action: "view", target: {}});
  window.__firstSend = performance.now() - t0;
  Promise.resolve(sent).catch(function () {});
});</script>"""
STEPS = """<!doctype html><script>window.xo = {__attach: function () {}};</script>
<script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
const runtime = new URL("./pyodide/", location.href).href;
const py = await loadPyodide({indexURL: runtime, lockFileURL: runtime + "pyodide-lock.json",
  packageBaseUrl: runtime, packages: ["xo_web"],
  env: {XO_WEB_HTTP_PATCH: "idle"}});  // as xo.js; PYDANTIC_DISABLE_PLUGINS: xo_web's own
// Gaps that end after a and start before b, clipped to start at a (what happened before a is
// the runtime's): xo_web's own blocking, read in the page.
const gaps = (a, b) => window.__gaps.filter(g => g[1] > a && g[0] < b)
  .map(g => g[1] - Math.max(g[0], a));
const tbt = (a, b) => gaps(a, b).reduce((sum, g) => sum + Math.max(0, g - 50), 0);
const longest = (a, b) => Math.max(0, ...gaps(a, b));
const t0 = performance.now();
let slice = t0;
for (const name of %s) {  // as xo.js's importInSlices: <= 10 ms, then a MessageChannel yield
  if (performance.now() - slice > 10) {
    await new Promise(r => {
      const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
    slice = performance.now();
  }
  try { py.pyimport(name).destroy(); } catch (e) {}
}
const t1 = performance.now();
const browser = py.pyimport("xo_web.adapters.browser");
const t2 = performance.now();
browser.install(py.toPy({trackerKey: "k"}));
const t3 = performance.now();
await new Promise(r => setTimeout(r, 0));
window.__spans = [t1 - t0, t2 - t1, t3 - t2, tbt(t0, t3 + 1), longest(t0, t3 + 1)];
window.__own = gaps(t0, t3 + 1).map(Math.round);
window.__ready = t3;
</script>"""
WHEELS = """<!doctype html><script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
const runtime = new URL("./pyodide/", location.href).href;
const py = await loadPyodide({indexURL: runtime, lockFileURL: runtime + "pyodide-lock.json",
  packageBaseUrl: runtime});
const tbt = (a, b) => window.__gaps.filter(g => g[0] >= a && g[0] < b)
  .reduce((sum, g) => sum + Math.max(0, g[1] - g[0] - 50), 0);
const t0 = performance.now();
await py.loadPackage(["annotated-types", "typing-extensions", "typing-inspection", "pyodide-http"]);
const t1 = performance.now();
await py.loadPackage(["pydantic-core"]);
const t2 = performance.now();
await py.loadPackage(["pydantic", "xo-web"]);
const t3 = performance.now();
await new Promise(r => setTimeout(r, 100));
window.__spans = [t1 - t0, t2 - t1, t3 - t2, tbt(t0, t1), tbt(t1, t2), tbt(t2, t3)];
window.__ready = t3;
</script>"""
PAGES = {
    "bare": BARE,
    "xo": XO % "",
    "xo-worker": XO % "data-worker",
    "steps": STEPS % "[]",
    "sliced": STEPS % json.dumps(BOOT_MODULES),
    "wheels": WHEELS,
}
Figures = tuple[float, float, float, float, list[float]]


class Handler(SimpleHTTPRequestHandler):
    """Static files with long caching (warm runs hit the HTTP and code caches)."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        """Serve JavaScript modules and wasm with their types."""
        types = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm"}
        return types.get(Path(path).suffix) or super().guess_type(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=3600")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def blocking(gaps: list[list[float]], until: float) -> float:
    """Total blocking time of the gaps that start before ``until``."""
    return sum(max(0.0, b - a - 50) for a, b in gaps if a < until)


def measure(page: Page, url: str) -> Figures:
    """Open ``url``; return (ready ms, blocking ms before ready, blocking ms in the 2 s after
    ready — the warm-up and the first send, for instance —, first send ms, the page's own
    spans: on ``steps``/``sliced`` the sliced imports, import, install ms, then blocking and
    longest gap from the runtime's end to ready; on ``wheels`` the three loads, then the
    heartbeat blocking of each); a figure not recorded is 0."""
    page.goto(url)
    page.wait_for_function("window.__ready !== undefined", timeout=120_000)
    page.wait_for_timeout(2000)
    ready = float(page.evaluate("window.__ready"))
    gaps = page.evaluate("window.__gaps")
    after = sum(max(0.0, b - a - 50) for a, b in gaps if ready <= a < ready + 2000)
    first = float(page.evaluate("window.__firstSend || 0"))
    spans = [float(x) for x in page.evaluate("window.__spans || []")]
    return ready, blocking(gaps, ready), after, first, spans


def main(argv: list[str]) -> int:
    """Serve the bundles, run the rounds, print a JSON summary."""
    parser = argparse.ArgumentParser()
    parser.add_argument("bundles", nargs="+", help="LABEL=DIR")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", default=",".join(PAGES))
    options = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="boot_levers-"))
    labels = {}
    for spec in options.bundles:
        label, folder = spec.split("=", 1)
        link = root / label
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(Path(folder).resolve())
        labels[label] = link
        for name, html in PAGES.items():
            (Path(folder) / f"lever-{name}.html").write_text(html)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    config: dict[str, Any] = {}
    exec((ROOT / "playwright.config.py").read_text(), config)
    pages = options.pages.split(",")
    results: dict[str, dict[str, list[Figures]]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(**config["launch_options"]())
        context = browser.new_context()
        context.add_init_script(HEARTBEAT)
        tab = context.new_page()
        for run in range(options.runs + 1):
            for label in labels:
                for name in pages:
                    figures = measure(tab, f"{origin}/{label}/lever-{name}.html")
                    if run:
                        results.setdefault(label, {}).setdefault(name, []).append(figures)
            print(f"round {run}/{options.runs}", file=sys.stderr)
        browser.close()
    server.shutdown()
    summary: dict[str, Any] = {}
    for label, by_page in results.items():
        bare = by_page["bare"]
        for name, runs in by_page.items():
            column = list(zip(*runs, strict=True))
            summary[f"{label}/{name}"] = {
                "ready_ms": round(statistics.median(column[0])),
                "ready_vs_bare": round(
                    statistics.median(r[0] / b[0] for r, b in zip(runs, bare, strict=True)), 3
                ),
                "blocking_ms": round(statistics.median(column[1])),
                "blocking_over_bare_ms": round(
                    statistics.median(r[1] - b[1] for r, b in zip(runs, bare, strict=True))
                ),
                "blocking_after_ready_ms": round(statistics.median(column[2])),
                "first_send_ms": round(statistics.median(column[3]), 1),
                "spans_ms": [round(statistics.median(x)) for x in zip(*column[4], strict=True)],
                "min": {
                    "ready_ms": round(min(column[0])),
                    "blocking_ms": round(min(column[1])),
                    "spans_ms": [round(min(x)) for x in zip(*column[4], strict=True)],
                },
            }
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
