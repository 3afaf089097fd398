"""Real servers for the relay's browser tests: the relay and a local collector, on 127.0.0.1.

Each runs on uvicorn in a thread over a socket bound first (tests.support.asgi_site).
"""

from __future__ import annotations

import json
import socket
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from tests.support.asgi_site import bound_socket, origin_of, serve_asgi

__all__ = ["bound_socket", "collector_app", "origin_of", "serving", "stored"]


def serving(app: Any, sock: socket.socket) -> AbstractContextManager[str]:
    """Serve the ASGI `app` (its lifespan run) on `sock` until the block ends; yield its origin."""
    return serve_asgi(app, sock, lifespan="on")


def collector_app(data_dir: Path, tracker_key: str) -> Any:
    """The demo's XO-compatible collector, accepting `tracker_key`."""
    from demo.collector import create_app

    return create_app(data_dir=data_dir, tracker_keys={tracker_key}, allowed_origins=[])


def stored(collector_origin: str) -> list[dict[str, Any]]:
    """The activities the collector stored, oldest first."""
    with urlopen(collector_origin + "/api/activities", timeout=5) as response:
        rows: list[dict[str, Any]] = json.loads(response.read().decode("utf-8"))
    return rows
