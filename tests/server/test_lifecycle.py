"""The sender's life: started lazily, restarted after fork, stopped in time at close and exit."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.server.kit import KEY, USER, view
from tests.server.processes import finish, spawn_worker
from tests.support.sink import Scripted, Sink
from xo_web.server import Tracker


def test_forked_childs_sends_arrive(outbox: str, sink: Sink) -> None:
    """Four forks, each right after sends (the sender busy): every child's send arrives."""
    worker = spawn_worker("fork", "--outbox", outbox, "--url", sink.url, "--count", "4")
    _, errors = finish(worker, 120)
    assert worker.returncode == 0, errors[-2000:]
    delivered = set(sink.delivered("n"))
    assert {f"child-{n}" for n in range(4)} | {"parent-0-0", "parent-after"} <= delivered


def test_no_sender_runs_before_the_first_send(
    sqlite_dsn: str, make_tracker: Callable[..., Tracker]
) -> None:
    """Constructing a Tracker starts nothing: the sender is started by the first send."""
    tracker = make_tracker(sqlite_dsn)
    assert tracker._sender is None
    tracker.send(view(1), user=USER)
    assert tracker._sender is not None


def test_close_returns_within_its_timeout_leaving_the_batch_in_the_outbox(
    sqlite_dsn: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """close(0.5) while the collector holds the request: it returns; the batch stays pending."""
    held = threading.Event()
    sink.then(Scripted(hold=held))
    tracker = make_tracker(sqlite_dsn, settings=_slow_client())
    tracker.send(view(1), user=USER)
    assert sink.wait_until(lambda: sink.started == 1)
    closing = threading.Thread(target=tracker.close, kwargs={"timeout": 0.5})
    closing.start()
    closing.join(30)
    returned_while_held = not closing.is_alive()
    held.set()
    assert returned_while_held
    assert Tracker(KEY, outbox=sqlite_dsn, start_sender=False).status().pending == 1


def test_interpreter_exit_stops_the_sender_leaving_undelivered_work(
    sqlite_dsn: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """A process that returns while its request hangs exits anyway; the next start delivers."""
    sink.then(Scripted(delay_s=60.0))
    worker = spawn_worker(
        "exit", "--outbox", sqlite_dsn, "--url", sink.url, "--timeout", "50", "--lease", "1"
    )
    _, errors = finish(worker, 30)  # far less than the 50 s request timeout
    assert worker.returncode == 0, errors[-2000:]
    restarted = make_tracker(sqlite_dsn)
    assert restarted.flush(30)
    assert "at-exit" in sink.delivered("n")


def _slow_client() -> object:
    from dataclasses import replace

    from tests.server.kit import FAST

    return replace(FAST, timeout_s=30.0, lease_s=60.0)
