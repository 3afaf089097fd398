"""Pure arithmetic of the bench: medians, ratios, per-call time, blocking from heartbeat gaps.

Blocking follows Total Blocking Time: a heartbeat gap of ``g`` ms longer than 50 ms blocks
for ``g - 50`` ms. Gaps are ``(start, length)`` pairs on the page clock (ms).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BLOCKING_THRESHOLD_MS = 50.0

Gap = Sequence[float]  # (start_ms, length_ms)


def median(values: Iterable[float | None]) -> float | None:
    """Return the median of the values that are not None, rounded to 3 places, or None."""
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def ratio(value: float | None, baseline: float | None) -> float | None:
    """Return ``value / baseline`` rounded to 3 places, or None if either is missing or 0."""
    if value is None or not baseline:
        return None
    return round(value / baseline, 3)


def paired_ratio(values: Sequence[float], baselines: Sequence[float]) -> float | None:
    """Return the median of round-by-round ratios (value i / baseline i, same round).

    On a shared machine a whole round can run twice as slow as the next; pairing each load
    with its baseline's load of the same round cancels that drift, a ratio of medians does not.
    """
    ratios = [v / b for v, b in zip(values, baselines, strict=True) if b]
    return round(statistics.median(ratios), 3) if ratios else None


def paired_difference(values: Sequence[float], baselines: Sequence[float]) -> float | None:
    """Return the median of round-by-round differences (value i - baseline i, same round)."""
    diffs = [v - b for v, b in zip(values, baselines, strict=True)]
    return round(statistics.median(diffs), 1) if diffs else None


def per_call_us(t0_ms: float, t1_ms: float, calls: int) -> float:
    """Return the microseconds per call of ``calls`` calls made between t0 and t1 (ms)."""
    if calls <= 0:
        raise ValueError("calls must be positive")
    return (t1_ms - t0_ms) * 1000.0 / calls


@dataclass(frozen=True)
class Blocking:
    """Main-thread blocking seen by the heartbeat in a window of time."""

    total_ms: float  # sum of (gap - 50) over gaps > 50 ms: Total Blocking Time
    longest_ms: float  # the longest gap (0 when none is over 50 ms)
    gaps: int  # how many gaps were over 50 ms
    blocked_ms: float  # sum of those gaps, whole

    def as_dict(self) -> dict[str, float]:
        """Return the figures rounded for the report."""
        return {
            "tbt_ms": round(self.total_ms, 1),
            "longest_gap_ms": round(self.longest_ms, 1),
            "gaps_over_50ms": self.gaps,
            "blocked_ms": round(self.blocked_ms, 1),
        }


def blocking(
    gaps: Iterable[Gap],
    start: float = 0.0,
    end: float = float("inf"),
    threshold: float = BLOCKING_THRESHOLD_MS,
) -> Blocking:
    """Return the blocking of the gaps that START inside ``[start, end]``.

    A gap is attributed to where it starts: the gap that holds the moment a page became
    ready (ready is set inside it, after the blocking task) counts for the boot.
    """
    long = [float(g[1]) for g in gaps if start <= g[0] <= end and g[1] > threshold]
    return Blocking(
        total_ms=sum(g - threshold for g in long),
        longest_ms=max(long, default=0.0),
        gaps=len(long),
        blocked_ms=sum(long),
    )


def median_blocking(samples: Sequence[Blocking]) -> dict[str, float] | None:
    """Return the per-field medians of several runs' blocking, or None without runs."""
    if not samples:
        return None
    return {
        "tbt_ms": round(statistics.median(s.total_ms for s in samples), 1),
        "longest_gap_ms": round(statistics.median(s.longest_ms for s in samples), 1),
        "gaps_over_50ms": statistics.median(s.gaps for s in samples),
        "blocked_ms": round(statistics.median(s.blocked_ms for s in samples), 1),
    }
