"""Host-only: the server half's commands of ``xo-web`` — ``outbox status|retry|purge`` and
``sender`` (a delivering process of its own; run as many as the database allows).

`add_commands` adds them to the ``xo-web`` parser; `run` runs one and returns the exit code
(2 with one line on stderr when the outbox fails or the server extra is missing). The outbox
is `--outbox DSN`, else `$XO_WEB_OUTBOX`, else the default SQLite file.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from typing import Any

COMMANDS = ("outbox", "sender")
ENV_VAR = "XO_WEB_OUTBOX"


def add_commands(commands: Any) -> None:
    """Add ``outbox`` and ``sender`` to the subparsers of ``xo-web``."""
    dsn_help = f"the outbox: sqlite:///path or postgresql://… (default: ${ENV_VAR}, else the "
    dsn_help += "SQLite file in the per-user data folder)"
    outbox = commands.add_parser("outbox", help="show, retry or purge the server-side outbox")
    actions = outbox.add_subparsers(dest="action", required=True)
    status = actions.add_parser("status", help="count pending, leased and dead activities")
    status.add_argument("--dead", type=int, default=5, metavar="N", help="show N dead letters")
    actions.add_parser("retry", help="put every dead letter back in the outbox")
    purge = actions.add_parser("purge", help="delete dead letters (or pending activities)")
    purge.add_argument("--older-than-days", type=float, help="only dead letters older than this")
    purge.add_argument(
        "--pending", action="store_true", help="delete the undelivered activities instead"
    )
    purge.add_argument("--yes", action="store_true", help="confirm deleting pending activities")
    sender = commands.add_parser("sender", help="deliver the outbox until SIGTERM/SIGINT")
    sender.add_argument("--poll", type=float, help="seconds between looks for work (default 1)")
    sender.add_argument("--batch-size", type=int, help="activities per request (default 100)")
    for parser in (status, actions.choices["retry"], purge, sender):
        parser.add_argument("--outbox", default=os.environ.get(ENV_VAR), help=dsn_help)


def run(args: argparse.Namespace) -> int:
    """Run ``outbox …`` or ``sender``; return the exit code."""
    try:
        from xo_web.errors import ConfigError
        from xo_web.server.errors import OutboxError
        from xo_web.server.tracker import make_store
    except ImportError as error:  # pragma: no cover - depends on the installation
        print(f"xo-web: {error}: install xo_web[server]", file=sys.stderr)
        return 2
    from xo_web.server.dsn import parse_outbox

    try:
        store = make_store(parse_outbox(args.outbox))
        try:
            store.ensure_schema()
            if args.command == "sender":
                return _sender(args)
            return _outbox(args, store)
        finally:
            store.close()
    except (OutboxError, ConfigError) as error:
        print(f"xo-web: {error}", file=sys.stderr)
        return 2


def _outbox(args: argparse.Namespace, store: Any) -> int:
    now = time.time()
    if args.action == "status":
        status = store.status(now)
        oldest = "-" if status.oldest_age_s is None else f"{status.oldest_age_s:.1f} s"
        print(f"pending {status.pending} (due {status.due}, leased {status.leased})")
        print(f"dead {status.dead}")
        print(f"oldest pending {oldest}")
        for row_id, code, reason, body in store.dead_letters(args.dead) if args.dead else []:
            print(f"  dead #{row_id} HTTP {code or '-'}: {reason} | {body[:120]}")
    elif args.action == "retry":
        print(f"{store.retry_dead(now)} dead letter(s) put back in the outbox")
    elif args.pending:
        if not args.yes:
            print(
                "xo-web: purge --pending deletes undelivered activities: add --yes", file=sys.stderr
            )
            return 2
        print(f"{store.purge_pending()} pending activit(y/ies) deleted")
    else:
        older = None if args.older_than_days is None else now - args.older_than_days * 86400
        print(f"{store.purge_dead(older)} dead letter(s) deleted")
    return 0


def _sender(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from xo_web.server.dsn import parse_outbox
    from xo_web.server.sender import ThreadSender
    from xo_web.server.settings import SenderSettings
    from xo_web.server.tracker import make_store

    settings = SenderSettings()
    if args.poll is not None:
        settings = replace(settings, poll_s=args.poll)
    if args.batch_size is not None:
        settings = replace(settings, batch_size=args.batch_size)
    target = parse_outbox(args.outbox)
    sender = ThreadSender(lambda: make_store(target, sender=True), settings)

    def stop(signum: int, frame: object) -> None:
        sender.stop(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"xo-web sender: delivering {args.outbox or 'the default outbox'}", flush=True)
    sender.run_forever()
    return 0


__all__ = ["COMMANDS", "ENV_VAR", "add_commands", "run"]
