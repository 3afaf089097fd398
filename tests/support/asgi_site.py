"""An ASGI app served by uvicorn on 127.0.0.1 in a thread: for the browser tests and the
benchmark scripts (scripts/bench, scripts/bench_server), which share this one start loop.

The socket is bound before the server starts (no free-port race). A socket bound but not yet
served refuses connections, which is how a test has a server that is down and then comes up on
the same address.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

START_TIMEOUT_S = 20.0


def bound_socket() -> socket.socket:
    """A TCP socket bound to 127.0.0.1 on a free port, not listening yet (refuses connects)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def origin_of(sock: socket.socket) -> str:
    """The http origin of a bound socket (``http://127.0.0.1:N``)."""
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serve_asgi(app: ASGIApp, sock: socket.socket | None = None, **config: Any) -> Iterator[str]:
    """Serve ``app`` for the duration of the block; yield its origin.

    ``sock``: a socket from `bound_socket` (when the origin must be known before the app is
    made); ``config``: more ``uvicorn.Config`` options (``lifespan``, ``timeout_keep_alive``).
    """
    sock = sock or bound_socket()
    options: dict[str, Any] = {"log_level": "warning", "access_log": False, "lifespan": "off"}
    server = uvicorn.Server(uvicorn.Config(app, **{**options, **config}))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    pause = threading.Event()  # never set: a plain bounded wait for the server to start
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        pause.wait(0.02)
    if not server.started:
        raise RuntimeError(f"the server did not start within {START_TIMEOUT_S:.0f} s")
    try:
        yield origin_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
