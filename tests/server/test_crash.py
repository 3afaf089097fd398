"""kill -9 of sending processes at random points: after a restart nothing acknowledged is lost.

Twenty worker processes (four at a time) send numbered activities while their own sender
thread delivers them to a slow-ish collector; each is killed with SIGKILL after a random number
of acknowledged sends plus a random few milliseconds — mid-commit, mid-request, mid-settle.
Then a fresh tracker (the restart) takes over the expired leases and delivers the rest. Every
send that returned must arrive (lost 0); duplicates are counted and reported, not forbidden
(delivery is at least once).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.server.processes import acknowledged, finish, spawn_worker
from tests.support.sink import Scripted, Sink
from xo_web.server import Tracker

KILLS = 20
AT_ONCE = 4
PER_WORKER = 100_000  # more than it can send before the kill
LEASE_S = 3.0  # above the 2 s client timeout: duplicates come from the kills, not slow answers


def _kill_after(process: subprocess.Popen[str], acks: int, extra_s: float) -> str:
    """Read `acks` acknowledged lines, wait `extra_s`, SIGKILL; return all it printed."""
    assert process.stdout is not None
    lines: list[str] = []
    while len(lines) < acks:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    time.sleep(extra_s)
    os.kill(process.pid, signal.SIGKILL)
    rest, _ = finish(process, 30)
    return "".join(lines) + rest


def test_kill_9_at_random_points_loses_nothing(
    outbox: str,
    sink: Sink,
    make_tracker: Callable[..., Tracker],
    report: Callable[[str], None],
) -> None:
    """20 SIGKILLs of sending processes; after a restart every acknowledged send arrived."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    sink.then(*[Scripted(delay_s=rng.uniform(0, 0.03)) for _ in range(400)])
    acked: set[int] = set()
    for wave in range(KILLS // AT_ONCE):
        workers = []
        for slot in range(AT_ONCE):
            start = (wave * AT_ONCE + slot) * 1000
            process = spawn_worker(
                "send", "--outbox", outbox, "--url", sink.url, "--sender",
                "--start", str(start), "--count", str(PER_WORKER), "--lease", str(LEASE_S),
            )  # fmt: skip
            workers.append(process)
        points = [(rng.randint(0, 60), rng.uniform(0, 0.05)) for _ in workers]
        with ThreadPoolExecutor(AT_ONCE) as pool:  # each killed on its own schedule
            outputs = list(pool.map(_kill_after, workers, *zip(*points, strict=True)))
        for process, output in zip(workers, outputs, strict=True):
            assert process.returncode == -signal.SIGKILL, f"seed {seed}"
            acked |= acknowledged(output)
    restarted = make_tracker(outbox)
    assert restarted.flush(60), f"seed {seed}: the outbox did not drain"
    delivered = sink.delivered("n")
    lost = sorted(n for n in acked if str(n) not in delivered)
    duplicates = sum(count - 1 for count in delivered.values())
    report(f"kill -9 x{KILLS}: acknowledged {len(acked)}, lost {len(lost)}, dups {duplicates}")
    assert acked, f"seed {seed}: no send was acknowledged at all"
    assert lost == [], f"seed {seed}: lost {lost[:20]}"


@pytest.mark.parametrize("kind", ["sqlite"])
def test_a_killed_senders_lease_is_taken_over(
    kind: str, sqlite_dsn: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """A worker killed while its request hangs leaves a leased batch that a restart delivers."""
    sink.then(Scripted(status=200, delay_s=5.0))
    process = spawn_worker(
        "send", "--outbox", sqlite_dsn, "--url", sink.url, "--sender",
        "--count", str(PER_WORKER), "--lease", str(LEASE_S), "--timeout", "10",
    )  # fmt: skip
    assert sink.wait_until(lambda: sink.started >= 1, timeout=30)  # its first request hangs
    os.kill(process.pid, signal.SIGKILL)
    acked = acknowledged(finish(process, 30)[0])
    restarted = make_tracker(sqlite_dsn)
    assert restarted.flush(30)
    assert {str(n) for n in acked} <= set(sink.delivered("n"))
