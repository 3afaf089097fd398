"""Second reading of xo_web's own boot blocking: ``performance.now()`` spans around the steps.

The ``xo-steps`` page replays xo.js's boot one step at a time (see pages/xo-steps.js). The
import and install steps are synchronous: their spans are blocking by construction, a lower
bound of xo_web's own (it leaves out unpacking the wheels and instantiating pydantic-core's
wasm, inside the async wheels step). For the whole, the heartbeat's TBT from the start of the
wheels step to ready (what the page does after bare Pyodide's runtime is up). Warm loads.
The ``sliced_imports`` step (xo.js's BOOT_MODULES, SLICE_MS of imports per task) is async: its
blocking is the heartbeat's TBT and longest gap inside its span.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scripts.bench import stats
from scripts.bench.boot import SETTLE_MS
from scripts.bench.browser import Session, heartbeat_gaps

PAGE = "xo-steps.html"
SYNC_STEPS = ("import_sync", "install_sync")


def run_steps(session: Session, runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Load the steps page warm ``runs`` times; return the median span of each step."""
    spans: dict[str, list[float]] = {}
    runtime_tbt: list[float] = []
    after_runtime_tbt: list[float] = []
    sync: list[float] = []
    sliced_tbt: list[float] = []
    sliced_longest: list[float] = []
    for _ in range(runs):
        context = session.context()
        session.open(context, PAGE)[0].close()  # cold load: fills the HTTP cache
        page, ready = session.open(context, PAGE)
        page.wait_for_timeout(SETTLE_MS)
        marks: dict[str, list[float]] = page.evaluate("window.__spans")
        gaps = heartbeat_gaps(page)
        for name, (_start, length) in marks.items():
            spans.setdefault(name, []).append(length)
        start, length = marks["runtime"]
        runtime_tbt.append(stats.blocking(gaps, 0.0, start + length).total_ms)
        after_runtime_tbt.append(stats.blocking(gaps, marks["wheels"][0], ready).total_ms)
        sync.append(sum(marks[s][1] for s in SYNC_STEPS))
        start, length = marks.get("sliced_imports", [0.0, 0.0])
        inside = stats.blocking(gaps, start, start + length) if length else None
        sliced_tbt.append(inside.total_ms if inside else 0.0)
        sliced_longest.append(inside.longest_ms if inside else 0.0)
        context.close()
    log(f"steps: {runs} warm runs done")
    return {
        "span_ms": {name: stats.median(values) for name, values in spans.items()},
        "sync_spans_ms": stats.median(sync),
        "tbt_until_runtime_ms": stats.median(runtime_tbt),
        "tbt_after_runtime_ms": stats.median(after_runtime_tbt),
        "sliced_imports_tbt_ms": stats.median(sliced_tbt),
        "sliced_imports_longest_gap_ms": stats.median(sliced_longest),
        "all_sync_spans_ms": [round(v) for v in sync],
        "all_tbt_after_runtime_ms": [round(v) for v in after_runtime_tbt],
    }
