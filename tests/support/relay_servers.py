"""Real servers for the relay's browser tests: the relay and a local collector, on 127.0.0.1.

Each runs on uvicorn in a thread over a socket bound here first (no free-port race). A socket
bound but not yet served refuses connections, which is how a test has a collector that is down
and then comes up on the same address.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import uvicorn

START_TIMEOUT_S = 20.0


def bound_socket() -> socket.socket:
    """A TCP socket bound to 127.0.0.1 on a free port, not listening yet (refuses connects)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def origin_of(sock: socket.socket) -> str:
    """The http origin of a bound socket."""
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serving(app: Any, sock: socket.socket) -> Iterator[str]:
    """Serve the ASGI `app` on `sock` in a thread until the block ends; yield its origin."""
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    pause = threading.Event()  # never set: a plain bounded wait for the server to start
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        pause.wait(0.05)
    assert server.started, "the server did not start"
    try:
        yield origin_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def collector_app(data_dir: Path, tracker_key: str) -> Any:
    """The demo's XO-compatible collector, accepting `tracker_key`."""
    from demo.collector import create_app

    return create_app(data_dir=data_dir, tracker_keys={tracker_key}, allowed_origins=[])


def stored(collector_origin: str) -> list[dict[str, Any]]:
    """The activities the collector stored, oldest first."""
    with urlopen(collector_origin + "/api/activities", timeout=5) as response:
        rows: list[dict[str, Any]] = json.loads(response.read().decode("utf-8"))
    return rows
