"""The burst: 10,000 sends (100 per task) from xo.js to the same-origin counting sink.

What it shows: nothing is lost (every issued send reaches the sink), localStorage stays under
the outbox's cap (sampled every 250 ms), and the wasm memory and JS heap before and after.
Also the heartbeat blocking while the burst is issued and delivered.
"""

from __future__ import annotations

import time
from typing import Any

from scripts.bench import stats
from scripts.bench.browser import Session, cdp_memory, heartbeat_gaps
from scripts.bench.catalog import BURST_PAGE

PER_TASK = 100
DRAIN_S = 20.0


def run_burst(session: Session, sends: int, issue_budget_s: float) -> dict[str, Any]:
    """Issue ``sends`` (stop issuing after ``issue_budget_s``), then wait for delivery."""
    traffic = session.server.traffic
    context = session.context()
    page, _ = session.open(context, BURST_PAGE)
    page.evaluate("__bench.timed(20)")  # warm-up
    page.wait_for_timeout(500)
    before = cdp_memory(context, page)
    traffic.reset_sink()
    start = time.monotonic()
    page.evaluate(f"__bench.paced({sends}, {PER_TASK}, {issue_budget_s * 1000})")
    peak = 0
    done: dict[str, Any] | None = None
    while time.monotonic() - start < issue_budget_s + DRAIN_S:
        page.wait_for_timeout(250)
        peak = max(peak, page.evaluate("__bench.storageChars()"))
        done = page.evaluate("window.__burstDone || null")
        if done is not None and traffic.sunk >= done["issued"]:
            break
    page.wait_for_timeout(1000)
    after = cdp_memory(context, page)
    span = traffic.last_post - start if traffic.last_post is not None else None
    gaps = heartbeat_gaps(page)
    window = stats.blocking(gaps, done["t0"], done["t2"]) if done else None
    result = {
        "sends_requested": sends,
        "sends_issued": done["issued"] if done else None,
        "delivered": traffic.sunk,
        "requests": traffic.posts,
        "promises_ok": done["ok"] if done else None,
        "promises_failed": done["failed"] if done else None,
        "first_error": done["firstError"] if done else None,
        "seconds_to_last_delivery": round(span, 2) if span else None,
        "activities_per_second": round(traffic.sunk / span) if span else None,
        "tbt_ms": round(window.total_ms) if window else None,
        "longest_gap_ms": round(window.longest_ms) if window else None,
        "peak_local_storage_chars": peak,
        "local_storage_after": page.evaluate("__bench.storageChars()"),
        "memory_before": before,
        "memory_after": after,
    }
    context.close()
    return result
