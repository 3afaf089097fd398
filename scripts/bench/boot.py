"""Boot figures: time to ready and heartbeat blocking, cold and warm, for every boot page.

One pass serves both figures: each round loads every available page in a fresh context
(cold: empty HTTP cache) and again in the same context (warm), pages alternating, with 1 s
of idle after each load so one load's background work does not land in the next. Blocking
during boot = the heartbeat gaps that start before ``window.__ready``. Against the baseline,
each round's load is paired with the baseline's load of the same round (median of the
round-by-round ratios and differences), since a loaded machine drifts between rounds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scripts.bench import stats
from scripts.bench.browser import Session, heartbeat_gaps
from scripts.bench.catalog import BootPage

SETTLE_MS = 1000
PAGE_TIMEOUT_S = 60.0  # a page that does not become ready by then is reported as failed
PHASES = ("cold", "warm")


@dataclass
class PageRuns:
    """Every load of one page: ready times and blocking, per phase."""

    ready_ms: dict[str, list[float]] = field(default_factory=dict)
    boot: dict[str, list[stats.Blocking]] = field(default_factory=dict)
    after: dict[str, list[stats.Blocking]] = field(default_factory=dict)
    first_visit_paths: list[str] = field(default_factory=list)
    error: str | None = None  # why the page failed to boot (it is then left out)

    def add(self, phase: str, ready: float, gaps: list[list[float]]) -> None:
        """Record one load."""
        self.ready_ms.setdefault(phase, []).append(ready)
        self.boot.setdefault(phase, []).append(stats.blocking(gaps, 0.0, ready))
        after = stats.blocking(gaps, ready + 1e-9, ready + SETTLE_MS)
        self.after.setdefault(phase, []).append(after)


def run_boot(
    session: Session, pages: Sequence[BootPage], runs: int, log: Callable[[str], None]
) -> dict[str, PageRuns]:
    """Load every page ``runs`` times cold then warm; return the raw runs by page name."""
    results = {page.name: PageRuns() for page in pages}
    traffic = session.server.traffic
    for run in range(runs):
        for page in pages:
            if results[page.name].error:
                continue
            context = session.context()
            try:
                for phase in PHASES:
                    traffic.take_paths()
                    tab, ready = session.open(context, page.file, PAGE_TIMEOUT_S)
                    tab.wait_for_timeout(SETTLE_MS)
                    results[page.name].add(phase, ready, heartbeat_gaps(tab))
                    if run == 0 and phase == "cold":
                        results[page.name].first_visit_paths = traffic.take_paths()
                    tab.close()
            except (RuntimeError, TimeoutError) as error:
                results[page.name].error = str(error).splitlines()[0][:300]
                log(f"boot: {page.name} failed, dropped from the run: {error}")
            finally:
                context.close()
        log(f"boot round {run + 1}/{runs} done")
    return results


def summarise(pages: Sequence[BootPage], results: dict[str, PageRuns]) -> dict[str, Any]:
    """Medians per page and phase, and each page's figures against its named baseline."""
    out: dict[str, Any] = {}
    for page in pages:
        runs = results[page.name]
        if runs.error:
            out[page.name] = {
                "label": page.label,
                "available": False,
                "status": "failed",
                "reason": runs.error,
            }
            continue
        entry: dict[str, Any] = {"label": page.label, "baseline": page.baseline}
        for phase in PHASES:
            entry[phase] = {
                "ready_ms": stats.median(runs.ready_ms[phase]),
                "blocking_until_ready": stats.median_blocking(runs.boot[phase]),
                "blocking_1s_after_ready": stats.median_blocking(runs.after[phase]),
                "all_ready_ms": [round(v) for v in runs.ready_ms[phase]],
                "all_tbt_ms": [round(b.total_ms) for b in runs.boot[phase]],
            }
        out[page.name] = entry
    for page in pages:
        if page.baseline is None or "warm" not in out[page.name]:
            continue
        if "warm" not in out.get(page.baseline, {}):
            continue
        for phase in PHASES:
            mine, base = results[page.name], results[page.baseline]
            tbt = [b.total_ms for b in mine.boot[phase]]
            base_tbt = [b.total_ms for b in base.boot[phase]]
            summary, base_summary = out[page.name][phase], out[page.baseline][phase]
            summary["vs_baseline"] = {
                "baseline": page.baseline,
                "ready_ratio_paired": stats.paired_ratio(
                    mine.ready_ms[phase], base.ready_ms[phase]
                ),
                "ready_ratio_of_medians": stats.ratio(
                    summary["ready_ms"], base_summary["ready_ms"]
                ),
                "own_tbt_ms_paired": stats.paired_difference(tbt, base_tbt),
                "tbt_ratio_paired": stats.paired_ratio(tbt, base_tbt),
            }
    return out
