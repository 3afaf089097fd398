"""A separate process for the server tests: sends, forks or exits as a test tells it.

`python -m tests.server.worker send --outbox DSN --url URL --start S --count N [--sender]`
sends activities numbered S..S+N-1 (target.n), printing each number once `send` returned
(so the test knows which sends were acknowledged as durable). `fork` forks `--count` children,
each right after a burst of sends, and has each child send one and flush. `exit` sends one and
returns at once: interpreter exit must stop the sender within the exit timeout.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import replace

from tests.server.kit import FAST, KEY, USER, view
from xo_web.server import Tracker


def _tracker(args: argparse.Namespace, *, sender: bool) -> Tracker:
    settings = replace(FAST, lease_s=args.lease, timeout_s=args.timeout)
    return Tracker(
        KEY, collect_url=args.url, outbox=args.outbox, settings=settings, start_sender=sender
    )


def send(args: argparse.Namespace) -> int:
    """Send numbered activities one by one, printing each acknowledged number."""
    tracker = _tracker(args, sender=args.sender)
    for n in range(args.start, args.start + args.count):
        tracker.send(view(n), user=USER)
        print(n, flush=True)
    if args.flush:
        return 0 if tracker.flush(30) else 1
    return 0


def fork(args: argparse.Namespace) -> int:
    """Send, fork while the sender is busy, send from each child; all flush. 0 when all did.

    Each fork comes right after a burst of sends, so the parent's sender is likely mid-claim
    or mid-commit on its database connection when the child is made.
    """
    tracker = _tracker(args, sender=True)
    children = []
    for round_ in range(args.count):
        tracker.send([view(f"parent-{round_}-{n}") for n in range(20)], user=USER)
        held = _hold_a_write_transaction(tracker, 0.3)
        pid = os.fork()
        if pid == 0:  # the child: its sender must start afresh, on its own connections
            code = 1
            try:
                tracker.send(view(f"child-{round_}"), user=USER)
                code = 0 if tracker.flush(30) else 3
            finally:
                os._exit(code)
        children.append(pid)
        held.join()
    tracker.send(view("parent-after"), user=USER)
    flushed = tracker.flush(30)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    print("children", codes, "parent flushed", flushed, file=sys.stderr)
    return 0 if flushed and codes == [0] * len(children) else 2


def _hold_a_write_transaction(tracker: Tracker, seconds: float) -> threading.Thread:
    """Have another thread hold a write transaction on the tracker's outbox for `seconds`.

    A fork while a connection of this process holds a lock is the case that must not leave
    the child's database "locked" (the store's fork hook waits for the transaction to end).
    """
    started = threading.Event()

    def hold() -> None:
        with tracker._store.transaction() as execute:
            execute("SELECT COUNT(*) FROM xo_outbox", ())
            started.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    started.wait(30)
    return thread


def exit_now(args: argparse.Namespace) -> int:
    """Send one activity and return at once (the sink holds the request: exit must not wait)."""
    tracker = _tracker(args, sender=True)
    tracker.send(view("at-exit"), user=USER)
    print("sent", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the mode."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["send", "fork", "exit"])
    parser.add_argument("--outbox", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--sender", action="store_true")
    parser.add_argument("--flush", action="store_true")
    parser.add_argument("--lease", type=float, default=FAST.lease_s)
    parser.add_argument("--timeout", type=float, default=FAST.timeout_s)
    args = parser.parse_args(argv)
    mode = {"send": send, "fork": fork, "exit": exit_now}[args.mode]
    return mode(args)


if __name__ == "__main__":
    sys.exit(main())
