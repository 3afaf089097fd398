"""The bench's pure parts under CPython: statistics, blocking from heartbeat gaps, the page list."""

from pathlib import Path

import pytest

from scripts.bench import boot, catalog, firstvisit, report, stats
from scripts.bench.server import count_activities


def test_median_ignores_missing_values():
    """The median is taken over the values that are present, and is None without any."""
    assert stats.median([3.0, None, 1.0, 2.0]) == 2.0
    assert stats.median([None]) is None


def test_ratio_needs_both_values():
    """A ratio is value / baseline, and None when either is missing or the baseline is 0."""
    assert stats.ratio(3.0, 2.0) == 1.5
    assert stats.ratio(None, 2.0) is None
    assert stats.ratio(3.0, 0.0) is None


def test_paired_ratio_cancels_drift_between_rounds():
    """Each value is divided by the baseline of its own round before taking the median."""
    assert stats.paired_ratio([110.0, 220.0, 330.0], [100.0, 200.0, 300.0]) == 1.1
    assert stats.paired_ratio([], []) is None


def test_paired_difference_is_the_median_of_differences():
    """The own part is the median of round-by-round differences, which may be negative."""
    assert stats.paired_difference([150.0, 90.0, 300.0], [100.0, 100.0, 100.0]) == 50.0


def test_per_call_is_microseconds_per_call():
    """2,000 calls over 100 ms of page clock are 50 µs each."""
    assert stats.per_call_us(10.0, 110.0, 2000) == pytest.approx(50.0)


def test_per_call_refuses_zero_calls():
    """Zero calls is a bench bug, not a figure."""
    with pytest.raises(ValueError, match="positive"):
        stats.per_call_us(0.0, 1.0, 0)


def test_blocking_sums_the_excess_over_50_ms():
    """Total blocking is the sum of (gap - 50) over the gaps longer than 50 ms."""
    gaps = [(0.0, 30.0), (100.0, 80.0), (300.0, 1050.0), (2000.0, 50.0)]
    result = stats.blocking(gaps)
    assert result.total_ms == pytest.approx(30.0 + 1000.0)
    assert result.longest_ms == 1050.0
    assert result.gaps == 2
    assert result.blocked_ms == pytest.approx(1130.0)


def test_blocking_counts_a_gap_where_it_starts():
    """A gap belongs to the window it starts in, even if it ends after the window."""
    gaps = [(90.0, 500.0), (700.0, 100.0)]
    assert stats.blocking(gaps, 0.0, 100.0).total_ms == pytest.approx(450.0)
    assert stats.blocking(gaps, 100.0, 1000.0).total_ms == pytest.approx(50.0)


def test_blocking_without_long_gaps_is_zero():
    """Short gaps only: no blocking, and the longest is reported as 0."""
    result = stats.blocking([(0.0, 12.0), (20.0, 49.0)])
    assert (result.total_ms, result.longest_ms, result.gaps) == (0.0, 0.0, 0)


def test_median_blocking_takes_each_field_on_its_own():
    """The medians of several runs are per field, and None without runs."""
    runs = [stats.blocking([(0.0, g)]) for g in (150.0, 1050.0, 250.0)]
    assert stats.median_blocking(runs) == {
        "tbt_ms": 200.0,
        "longest_gap_ms": 250.0,
        "gaps_over_50ms": 1,
        "blocked_ms": 250.0,
    }
    assert stats.median_blocking([]) is None


def test_a_page_that_requires_a_flag_runs_only_with_it():
    """The worker pages run only when bundle.json sets "worker": true."""
    worker = next(p for p in catalog.BOOT_PAGES if p.requires == "worker")
    assert not catalog.available(worker, {})
    assert not catalog.available(worker, {"worker": "yes"})
    assert catalog.available(worker, {"worker": True})


def test_every_listed_page_has_its_file():
    """Each entry of the page list has its HTML file in pages/."""
    for page in catalog.BOOT_PAGES:
        assert (catalog.PAGES_DIR / page.file).is_file(), page.file


def test_a_missing_manifest_reads_as_empty(tmp_path: Path):
    """Without bundle.json the bench sees no flags rather than crashing."""
    assert catalog.read_manifest(tmp_path) == {}


def test_the_sink_counts_activities_per_request():
    """A list body counts its items, one object counts one, and garbage counts none."""
    assert count_activities(b'[{"a": 1}, {"a": 2}]') == 2
    assert count_activities(b'{"a": 1}') == 1
    assert count_activities(b"not json") == 0


def test_first_visit_sizes_count_each_served_file_once(tmp_path: Path):
    """A file requested twice is counted once; paths outside the roots are ignored."""
    (tmp_path / "a.js").write_bytes(b"x" * 100)
    paths = ["/xo/a.js", "/xo/a.js", "/sink/k", "/xo/missing"]
    sizes = firstvisit.sizes(paths, {"/xo/": tmp_path}, {"/xo/a.js": 30})
    assert (sizes["raw"], sizes["wire"], sizes["files"]) == (100, 30, 1)


def test_first_visit_compares_every_page_with_bare_pyodide_on_the_wire(tmp_path: Path):
    """Ratios are of the bytes sent, as loaded; pydantic's wheels among them are counted."""
    for name, size in (("rt.wasm", 100), ("pydantic-2.whl", 40), ("xo_web-1.whl", 10)):
        (tmp_path / name).write_bytes(b"x" * size)
    bare, xo = ["/xo/rt.wasm"], ["/xo/rt.wasm", "/xo/pydantic-2.whl", "/xo/xo_web-1.whl"]
    wire = {"/xo/rt.wasm": 50, "/xo/pydantic-2.whl": 40, "/xo/xo_web-1.whl": 10}
    out = firstvisit.first_visit({"bare": bare, "xo": xo}, {"/xo/": tmp_path}, wire)
    assert out["xo"]["ratio_vs_bare"] == 2.0
    assert (out["pydantic_wheels"]["wire"], out["pydantic_wheels"]["files"]) == (40, 1)
    assert "xo_without_pydantic" not in out
    assert "first-visit bytes on the wire" in report.table({"first_visit_bytes": out})


def test_the_table_says_not_available_for_a_skipped_page():
    """A page the bundle does not support is a row that says so, not a number."""
    boot = {"xo-worker": {"label": "xo.js worker mode", "available": False, "reason": "no flag"}}
    text = report.table({"boot": boot})
    assert "xo.js worker mode" in text
    assert "not available" in text


def test_boot_summary_pairs_a_page_with_its_baseline_and_renders():
    """The summary compares xo with bare round by round, and the table shows both pages."""
    pages = [p for p in catalog.BOOT_PAGES if p.name in ("bare", "xo")]
    results = {"bare": boot.PageRuns(), "xo": boot.PageRuns()}
    for ready_bare, ready_xo in ((1000.0, 1200.0), (2000.0, 2400.0), (1500.0, 1800.0)):
        for phase in boot.PHASES:
            results["bare"].add(phase, ready_bare, [[100.0, ready_bare - 200.0]])
            results["xo"].add(phase, ready_xo, [[100.0, ready_xo - 200.0]])
    summary = boot.summarise(pages, results)
    versus = summary["xo"]["warm"]["vs_baseline"]
    assert versus["ready_ratio_paired"] == 1.2
    assert versus["own_tbt_ms_paired"] == 300.0
    text = report.table({"boot": summary})
    assert "xo.js default mode" in text
    assert "bare loadPyodide()" in text


def test_the_table_shows_the_per_task_send_figures():
    """One send per task and a burst of 10 are rows with the JS SDK beside and the ratio."""
    fig = {"xo_us_per_send": 30.0, "reference_us_per_send": 10.0, "ratio": 3.0}
    text = report.table({"tasks": {"single": fig, "burst10": fig}})
    assert "one send per task" in text
    assert "10 sends in one task" in text
    assert "3.00x" in text
