"""`xo-web outbox status|retry|purge` and `xo-web sender`, run through xo-web's own main()."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest

from tests.server.kit import USER, view
from tests.server.processes import finish, spawn_sender
from tests.support.sink import Scripted, Sink
from xo_web.bundler.cli import main
from xo_web.server import Tracker


def _one_dead_one_pending(outbox: str, sink: Sink, make_tracker: Callable[..., Tracker]) -> None:
    sink.then(Scripted(403, body='{"error": "forbidden"}'))
    tracker = make_tracker(outbox)
    tracker.send(view("dead"), user=USER)
    assert tracker.flush(10)
    tracker.close()
    make_tracker(outbox, start_sender=False).send(view("pending"), user=USER)


def test_status_shows_pending_and_dead_letters_with_their_reason(
    outbox: str,
    sink: Sink,
    make_tracker: Callable[..., Tracker],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`outbox status` counts pending and dead, and shows a dead letter's status and reason."""
    _one_dead_one_pending(outbox, sink, make_tracker)
    assert main(["outbox", "status", "--outbox", outbox]) == 0
    out = capsys.readouterr().out
    assert "pending 1" in out
    assert "dead 1" in out
    assert "HTTP 403" in out
    assert "forbidden" in out


def test_retry_puts_dead_letters_back_and_they_are_delivered(
    sqlite_dsn: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """`outbox retry` moves dead letters back; a sender then delivers them."""
    _one_dead_one_pending(sqlite_dsn, sink, make_tracker)
    assert main(["outbox", "retry", "--outbox", sqlite_dsn]) == 0
    assert make_tracker(sqlite_dsn).flush(10)
    assert set(sink.delivered("n")) == {"dead", "pending"}


def test_purge_deletes_dead_letters_and_pending_only_with_yes(
    sqlite_dsn: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """`outbox purge` deletes dead letters; `--pending` needs `--yes`."""
    _one_dead_one_pending(sqlite_dsn, sink, make_tracker)
    assert main(["outbox", "purge", "--outbox", sqlite_dsn]) == 0
    assert main(["outbox", "purge", "--pending", "--outbox", sqlite_dsn]) == 2
    status = make_tracker(sqlite_dsn, start_sender=False).status()
    assert (status.pending, status.dead) == (1, 0)
    assert main(["outbox", "purge", "--pending", "--yes", "--outbox", sqlite_dsn]) == 0
    assert make_tracker(sqlite_dsn, start_sender=False).status().pending == 0


def test_a_bad_outbox_is_one_line_and_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An unreachable database is reported on one line, exit code 2."""
    code = main(["outbox", "status", "--outbox", "postgresql://x@/none?host=/nonexistent-xo"])
    assert code == 2
    assert capsys.readouterr().err.startswith("xo-web: ")


def test_the_sender_process_delivers_and_stops_on_sigterm(
    outbox: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """`xo-web sender` delivers what others recorded, and exits 0 on SIGTERM."""
    make_tracker(outbox, start_sender=False).send([view(1), view(2)], user=USER)
    sender = spawn_sender(outbox, "--poll", "0.05")
    delivered = sink.wait_until(lambda: set(sink.delivered("n")) == {"1", "2"}, timeout=60)
    sender.send_signal(signal.SIGTERM)
    _, errors = finish(sender, 60)
    assert delivered, errors[-2000:]
    assert sender.returncode == 0
