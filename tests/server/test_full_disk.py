"""A full disk (SQLite `max_page_count`): send raises, and what was recorded stays intact."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.server.kit import KEY, USER, view
from tests.support.sink import Sink
from xo_web.server import OutboxError, Tracker

PAGES = 12  # a tiny file: the tables, the index and a few dozen activities


def test_a_full_outbox_raises_and_harms_nothing_recorded(
    tmp_path: Path, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """Sends until the file is full raise OutboxError; every earlier send is kept and sent."""
    path = tmp_path / "outbox.db"
    full = f"sqlite:///{path}?max_page_count={PAGES}"
    tracker = Tracker(KEY, collect_url=sink.url, outbox=full, start_sender=False)
    recorded: list[int] = []
    refusal: OutboxError | None = None
    for n in range(10_000):
        try:
            tracker.send(view(n, metadata={"padding": "x" * 200}), user=USER)
        except OutboxError as error:
            refusal = error
            break
        recorded.append(n)
    assert refusal is not None
    assert "full" in str(refusal)
    assert recorded  # some fitted before the disk was full
    assert tracker.status().pending == len(recorded)
    with pytest.raises(OutboxError):  # still full: still refused, never silently dropped
        tracker.send(view("late"), user=USER)
    tracker.close()
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    roomy = make_tracker(f"sqlite:///{path}")
    assert roomy.flush(20)
    assert sink.delivered("n") == {str(n): 1 for n in recorded}
