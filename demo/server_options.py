"""Command-line options shared by ``python -m demo`` and ``python -m demo.collector``."""

from __future__ import annotations

import argparse
from pathlib import Path

from demo.collector.app import DEFAULT_MAX_BODY_BYTES


def add_server_options(parser: argparse.ArgumentParser, *, origins_help: str) -> None:
    """Add --host, --port, --data-dir, --allowed-origin, --max-body-bytes and --log-level."""
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (8000)")
    parser.add_argument(
        "--data-dir", type=Path, default=Path("demo/data"), help="where collector.sqlite3 lives"
    )
    parser.add_argument(
        "--allowed-origin",
        action="append",
        dest="allowed_origins",
        metavar="ORIGIN",
        help=origins_help,
    )
    parser.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, help="largest accepted body"
    )
    parser.add_argument("--log-level", default="info", help="uvicorn log level (info)")
