"""Many processes on one outbox: 8 writers x 1,000 sends and 4 `xo-web sender` processes.

Run once into one SQLite file and once into one PostgreSQL database. Every acknowledged send
arrives (lost 0); the duplicates are counted and reported (at least once allows them: a
batch whose lease ran out while its request was still being answered is sent again).
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable

from tests.server.processes import acknowledged, finish, kill_all, spawn_sender, spawn_worker
from tests.support.sink import Sink

WRITERS = 8
SENDS = 1000
SENDERS = 4


def _writer(dsn: str, sink: Sink, index: int) -> subprocess.Popen[str]:
    start = str(index * SENDS)
    return spawn_worker(
        "send", "--outbox", dsn, "--url", sink.url, "--start", start, "--count", str(SENDS)
    )


def test_eight_writers_and_four_senders_lose_nothing(
    outbox: str, sink: Sink, report: Callable[[str], None]
) -> None:
    """8 processes x 1,000 sends, 4 sender processes: every send arrives; duplicates reported."""
    # The commits' fsync is not under test here (kill -9 and full-disk tests keep it); on
    # SQLite the writers skip it so the test takes seconds, not minutes of disk flushes.
    dsn = f"{outbox}?synchronous=normal" if outbox.startswith("sqlite") else outbox
    senders = [spawn_sender(dsn, "--poll", "0.05") for _ in range(SENDERS)]
    writers: list[subprocess.Popen[str]] = []
    try:
        writers += [_writer(dsn, sink, index) for index in range(WRITERS)]
        acked: set[int] = set()
        for writer in writers:
            output, errors = finish(writer, 300)
            assert writer.returncode == 0, errors[-2000:]
            acked |= acknowledged(output)
        assert len(acked) == WRITERS * SENDS
        expected = {str(n) for n in acked}
        assert sink.wait_until(lambda: expected <= set(sink.delivered("n")), timeout=120)
    finally:
        kill_all(writers)  # only those a failure left running
        for sender in senders:
            sender.send_signal(signal.SIGTERM)
        for sender in senders:
            finish(sender, 60)
    delivered = sink.delivered("n")
    lost = len(expected - set(delivered))
    duplicates = sum(count - 1 for count in delivered.values())
    report(f"{WRITERS}x{SENDS} sends, {SENDERS} senders: lost {lost}, duplicates {duplicates}")
    assert lost == 0
    assert all(sender.returncode == 0 for sender in senders)
