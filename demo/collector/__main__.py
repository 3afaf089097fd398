"""Run the demo collector: ``python -m demo.collector --host 127.0.0.1 --port 8000``."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

import uvicorn

from demo.collector.app import (
    DEFAULT_ALLOWED_HOSTS,
    DEFAULT_ALLOWED_ORIGINS,
    DEFAULT_MAX_ROWS,
    create_app,
)
from demo.server_options import add_server_options


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m demo.collector",
        description="Local Attraqt XO-compatible collector for the xo_web demo.",
    )
    parser.add_argument(
        "--tracker-key",
        action="append",
        dest="tracker_keys",
        metavar="KEY",
        help="accepted tracker key (repeatable; default: demo)",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        metavar="NAME",
        help="Host name served besides 127.0.0.1, localhost and [::1] (repeatable)",
    )
    parser.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        help=f"most activities kept, the oldest deleted first ({DEFAULT_MAX_ROWS}; 0: no cap)",
    )
    add_server_options(
        parser,
        origins_help=(
            "CORS origin allowed to post (repeatable; default: localhost/127.0.0.1 :8000 :8080)"
        ),
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Build the app and serve it with uvicorn."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    app = create_app(
        data_dir=args.data_dir,
        tracker_keys=set(args.tracker_keys or ["demo"]),
        allowed_origins=args.allowed_origins or list(DEFAULT_ALLOWED_ORIGINS),
        max_body_bytes=args.max_body_bytes,
        allowed_hosts=[*DEFAULT_ALLOWED_HOSTS, *(args.allowed_hosts or [])],
        max_rows=args.max_rows or None,
    )
    print(f"xo_web demo collector: http://{args.host}:{args.port}/inspector", flush=True)
    print(f"  SDK collect_url: http://{args.host}:{args.port}/collect", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
