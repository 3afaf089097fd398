"""The server benchmark's runner: its report's targets, and sections picked up from a list."""

from pathlib import Path

from scripts.bench_server.__main__ import report, run_sections
from scripts.bench_server.common import Context, Row
from scripts.bench_server.sink import count_of


def test_the_report_compares_each_xo_row_with_the_best_peer() -> None:
    """Each xo_web row is judged against the fastest peer of the same run, and p99 against 2 ms."""
    rows = [
        Row("xo_web.server SQLite", 0.5, 1.5, 900.0),
        Row("segment-analytics-python", 0.01, 0.1, 1000.0),
        Row("posthog", 0.01, 0.1, 800.0),
    ]
    lines = report(rows)
    assert "target: SQLite enqueue p99 1.500 ms ≤ 2.0 ms: met" in lines
    assert (
        "target: xo_web.server SQLite delivered/s 900 ≥ segment-analytics-python 1,000: MISSED"
        in lines
    )


def test_a_threaded_row_is_judged_against_the_threaded_peers() -> None:
    """Rows sent from several threads are compared with the peers' rows of that shape only."""
    rows = [
        Row("xo_web.server SQLite (8 threads)", 0.5, 1.5, 1500.0),
        Row("segment-analytics-python", 0.01, 0.1, 9000.0),
        Row("segment-analytics-python (8 threads)", 0.01, 0.1, 1200.0),
    ]
    assert (
        "target: xo_web.server SQLite (8 threads) delivered/s 1,500 ≥ "
        "segment-analytics-python (8 threads) 1,200: met"
    ) in report(rows)


def test_a_listed_section_that_is_absent_is_skipped(tmp_path: Path) -> None:
    """A section not in this checkout (the relay's) is reported and skipped, not an error."""
    context = Context("http://127.0.0.1:9", 1, str(tmp_path))
    assert run_sections(context, ["no_such_section"]) == []


def test_the_sink_counts_each_sdks_body_shape() -> None:
    """XO's array, Segment's and PostHog's {"batch": [...]} are counted alike."""
    assert count_of([{}, {}]) == 2
    assert count_of({"batch": [{}, {}, {}]}) == 3
    assert count_of({"event": "x"}) == 1
