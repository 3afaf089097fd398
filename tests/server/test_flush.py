"""flush() returns once this process's sender has emptied the outbox, not at its next poll."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tests.server.kit import USER, view
from tests.support.sink import Sink
from xo_web.server import Tracker
from xo_web.server import tracker as tracker_module


def test_flush_wakes_when_the_sender_goes_idle(
    sqlite_dsn: str,
    sink: Sink,
    make_tracker: Callable[..., Tracker],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With flush's own polls a minute apart, it still returns as soon as the sender is done."""
    monkeypatch.setattr(tracker_module, "FLUSH_POLL_S", (60.0, 60.0))
    tracker = make_tracker(sqlite_dsn)
    outcome: list[bool] = []
    tracker.send([view(n) for n in range(3)], user=USER)
    flushing = threading.Thread(target=lambda: outcome.append(tracker.flush(timeout=120.0)))
    flushing.start()
    flushing.join(30.0)  # a bound for a failing run only: flush would sleep 60 s first
    assert outcome == [True]
    assert sum(sink.delivered("n").values()) == 3
