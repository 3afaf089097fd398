"""The collector failing — 5xx, timeouts, 429 with Retry-After, refusals — then recovering."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace

import pytest

from tests.server.kit import FAST, KEY, USER, view
from tests.support.sink import Scripted, Sink
from xo_web.server import Tracker


def test_5xx_timeouts_and_429_are_retried_until_the_collector_recovers(
    outbox: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """500, 503, a timeout, 429 Retry-After: 1, then 200: every activity arrives."""
    sink.then(
        Scripted(500),
        Scripted(503),
        Scripted(503, delay_s=4.0),  # answered long after the client's 1 s timeout
        Scripted(429, headers={"Retry-After": "1"}),
    )
    tracker = make_tracker(outbox, settings=replace(FAST, timeout_s=1.0))
    tracker.send([view(n) for n in range(5)], user=USER)
    assert tracker.flush(30)
    assert sink.wait_until(lambda: len(sink.requests) >= 5)  # the held one is recorded last
    in_order = sorted(sink.requests, key=lambda request: request.received_at)
    assert [r.status for r in in_order][:4] == [500, 503, 503, 429]
    assert in_order[4].status == 200
    assert set(sink.delivered("n")) == {str(n) for n in range(5)}


def test_retry_after_is_honoured(
    sqlite_dsn: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """After 429 with Retry-After: 1 the next request waits at least that second."""
    sink.then(Scripted(429, headers={"Retry-After": "1"}))
    tracker = make_tracker(sqlite_dsn)
    tracker.send(view(1), user=USER)
    assert tracker.flush(30)
    refused, accepted = sink.requests
    assert accepted.received_at - refused.received_at >= 1.0


def test_a_permanent_refusal_goes_to_the_dead_letters_with_its_reason(
    outbox: str,
    sink: Sink,
    make_tracker: Callable[..., Tracker],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """401 (unknown tracker key) is not retried: a dead letter with the reason, and a warning."""
    reason = json.dumps({"error": "unauthorized", "message": "unknown tracker key"})
    sink.then(Scripted(401, body=reason))
    tracker = make_tracker(outbox)
    tracker.send([view(1), view(2)], user=USER)
    assert tracker.flush(10)
    assert len(sink.requests) == 1
    status = tracker.status()
    assert (status.pending, status.dead) == (0, 2)
    [(_, code, why, _)] = tracker._store.dead_letters(1)
    assert code == 401
    assert "unknown tracker key" in why
    assert any("dead letters" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


def test_a_refused_batch_is_split_so_the_good_activities_arrive(
    sqlite_dsn: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """400 for a batch of three: each goes alone; only the one refused again is dead."""
    sink.then(Scripted(400), Scripted(200), Scripted(400), Scripted(200))
    tracker = make_tracker(sqlite_dsn)
    tracker.send([view(1), view(2), view(3)], user=USER)
    assert tracker.flush(10)
    assert sink.delivered("n") == {"1": 1, "3": 1}
    assert [len(r.batch) for r in sink.requests] == [3, 1, 1, 1]
    assert tracker.status().dead == 1


def test_an_unreachable_collector_keeps_the_activity_pending(sqlite_dsn: str) -> None:
    """With nothing listening, the activity stays in the outbox (retried), never dropped."""
    tracker = Tracker(KEY, collect_url="http://127.0.0.1:9", outbox=sqlite_dsn, settings=FAST)
    tracker.send(view(1), user=USER)
    assert not tracker.flush(0.5)
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:
        assert tracker.status().pending == 1
    tracker.close(1)
    assert tracker.status().pending == 1
