"""Per-call main-thread cost of ``send()`` from page JS: xo_web next to the official JS SDK.

Two ways of answering the SDKs' fetches, each SDK in its own context of the same browser:

- ``stub``: an init script replaces ``window.fetch`` on both pages before the SDK boots with a
  function resolving ``new Response('{"profiles":{}}')`` at once: the SDK's own cost;
- ``sink``: real fetches to the bench server's same-origin ``/sink/`` (no Playwright routing);
- ``worker``: xo.js in worker mode, where the page's cost of ``send()`` is handing the call to
  the worker (which validates, stores through the page and fetches to the sink), next to the
  JS SDK with fetch stubbed (its own cost).

Each round: ``calls`` sends in one fresh task; the ``performance.now()`` span around the loop
(per call) and, as a second reading, the heartbeat gap that holds the loop; then the blocking
(TBT) of what follows until every promise settled (delivery). Rounds alternate the SDKs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page

from scripts.bench import stats
from scripts.bench.browser import Session, heartbeat_gaps
from scripts.bench.catalog import CALL_PAGES, SINK_MODES, STUBBED_MODES

WARMUP_CALLS = 50
PAUSE_MS = 300  # after the promises settled: trailing delivery tasks


def _round(page: Page, calls: int) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(f"__bench.timed({calls})")
    page.wait_for_timeout(PAUSE_MS)
    gaps = heartbeat_gaps(page)
    t0, t1, t2 = result["t0"], result["t1"], result["t2"]
    # The loop runs in one task: the heartbeat sees it as one gap that starts before t0 and
    # ends after t1 (it also holds building the activities; see the docs).
    loop = [g for g in gaps if g[0] <= t0 and g[0] + g[1] >= t1]
    return {
        "span_us": stats.per_call_us(t0, t1, calls),
        "heartbeat_us": stats.per_call_us(0.0, loop[0][1], calls) if loop else None,
        "after": stats.blocking(gaps, t1, t2 + PAUSE_MS),
        "ok": result["ok"],
        "failed": result["failed"],
        "first_error": result["firstError"],
    }


def run_calls(
    session: Session, mode: str, runs: int, calls: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """Measure both SDKs in ``mode`` (a key of CALL_PAGES); return medians and the ratio."""
    contexts: dict[str, BrowserContext] = {}
    pages: dict[str, Page] = {}
    for sdk, page_file in zip(("xo", "reference"), CALL_PAGES[mode], strict=True):
        contexts[sdk] = session.context(stub_fetch=mode in STUBBED_MODES)
        pages[sdk], _ = session.open(contexts[sdk], page_file)
        pages[sdk].evaluate(f"__bench.timed({WARMUP_CALLS})")
        pages[sdk].wait_for_timeout(PAUSE_MS)
    session.server.traffic.reset_sink()
    rounds: dict[str, list[dict[str, Any]]] = {"xo": [], "reference": []}
    for run in range(runs):
        for sdk, page in pages.items():
            rounds[sdk].append(_round(page, calls))
        log(f"calls ({mode}) round {run + 1}/{runs} done")
    out: dict[str, Any] = {"calls_per_round": calls, "rounds": runs}
    for sdk, done in rounds.items():
        fetches = pages[sdk].evaluate("window.__fetchCalls === undefined ? null : __fetchCalls")
        out[sdk] = {
            "us_per_call": stats.median(r["span_us"] for r in done),
            "heartbeat_us_per_call": stats.median(r["heartbeat_us"] for r in done),
            "tbt_after_loop_ms": stats.median(r["after"].total_ms for r in done),
            "all_us_per_call": [round(r["span_us"], 1) for r in done],
            "promises_ok": sum(r["ok"] for r in done),
            "promises_failed": sum(r["failed"] for r in done),
            "first_error": next((r["first_error"] for r in done if r["first_error"]), None),
            "stub_fetch_calls": fetches,
        }
    if mode in SINK_MODES:
        for page in pages.values():
            page.wait_for_timeout(1000)
        received = session.server.traffic.sunk_by_key
        out["xo"]["sink_received"] = received.get("bench", 0)
        out["reference"]["sink_received"] = received.get("reference", 0)
        out["sink_requests"] = session.server.traffic.posts
    out["ratio"] = stats.ratio(out["xo"]["us_per_call"], out["reference"]["us_per_call"])
    out["heartbeat_ratio"] = stats.ratio(
        out["xo"]["heartbeat_us_per_call"], out["reference"]["heartbeat_us_per_call"]
    )
    for context in contexts.values():
        context.close()
    return out
