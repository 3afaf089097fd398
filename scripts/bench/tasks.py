"""Per-send cost by task: one send per task, and a burst of 10 sends in one task.

Each SDK in its own context with fetch stubbed (the ``stub`` figure's setting). For every task
the span runs from before its first send to a microtask queued after its last one, so it holds
what the task's sends left for the end of the task (xo_web's one ``localStorage.setItem`` of
the task's sends) and not just the calls. Per round the mean over ``TASKS`` tasks (the clock
is coarsened to 100 µs), per send; the median of the rounds.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from scripts.bench import stats
from scripts.bench.browser import Session

TASKS = 200
SHAPES = {"single": 1, "burst10": 10}

# Runs `tasks` tasks of `per` sends each, one setTimeout apart; resolves with each task's span.
PER_TASK = """([tasks, per]) => new Promise((resolve) => {
  const spans = [];
  let done = 0;
  const step = () => {
    const acts = [];
    for (let i = 0; i < per; i++) acts.push(__bench.activity(done * per + i));
    const t0 = performance.now();
    for (let i = 0; i < per; i++) window.__send(acts[i]);
    queueMicrotask(() => {
      spans.push(performance.now() - t0);
      done += 1;
      if (done < tasks) setTimeout(step, 0); else resolve(spans);
    });
  };
  setTimeout(step, 0);
})"""


def run_tasks(session: Session, runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Measure both SDKs for each shape; return µs per send (median) and the ratio."""
    out: dict[str, Any] = {}
    pages: dict[str, Any] = {}
    contexts = []
    for sdk, file in (("xo", "xo.html"), ("reference", "reference.html")):
        context = session.context(stub_fetch=True)
        contexts.append(context)
        pages[sdk], _ = session.open(context, file)
        pages[sdk].evaluate(PER_TASK, [20, 5])  # warm-up
    for shape, per in SHAPES.items():
        rounds: dict[str, list[float]] = {"xo": [], "reference": []}
        for _ in range(runs):
            for sdk, page in pages.items():
                spans = page.evaluate(PER_TASK, [TASKS, per])
                # The mean, not the median: performance.now() is coarsened to 100 µs here
                # (no cross-origin isolation), and the quantisation averages out over tasks.
                rounds[sdk].append(statistics.fmean(spans) * 1000 / per)
                page.wait_for_timeout(300)
        out[shape] = {
            "sends_per_task": per,
            "xo_us_per_send": stats.median(rounds["xo"]),
            "reference_us_per_send": stats.median(rounds["reference"]),
            "all_xo": [round(v, 1) for v in rounds["xo"]],
            "all_reference": [round(v, 1) for v in rounds["reference"]],
        }
        out[shape]["ratio"] = stats.ratio(
            out[shape]["xo_us_per_send"], out[shape]["reference_us_per_send"]
        )
        log(f"tasks ({shape}) done")
    for context in contexts:
        context.close()
    return out
