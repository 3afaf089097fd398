"""A local collector for the server tests: an HTTP server on 127.0.0.1 that records batches.

`Sink` answers 200 `{"profiles": {}}` unless a scripted answer is queued (`then(...)`: a
status, headers, a delay before answering — longer than the client's timeout makes a timeout —
or an Event to hold the answer until the test sets it).
It records every request's path, headers and parsed JSON array, and counts activities by a
key of their target (`delivered("n")`), so tests can count lost and duplicated activities.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    """One scripted answer."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    body: str = '{"profiles": {}}'
    hold: threading.Event | None = None  # answer only once the test sets it


@dataclass
class Received:
    """One request as the sink saw it."""

    path: str
    headers: dict[str, str]
    batch: list[dict[str, Any]]
    status: int
    received_at: float  # time.monotonic() when the request arrived


class Sink:
    """A recording collector on 127.0.0.1 (a context manager; `url` is its base URL)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.started = 0  # requests begun (a scripted delay may still hold them)
        self._script: list[Scripted] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                arrived = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                answer = sink._next()
                if answer.delay_s:
                    time.sleep(answer.delay_s)
                if answer.hold is not None:
                    answer.hold.wait(60)
                try:
                    batch = json.loads(raw)
                except ValueError:
                    batch = []
                with sink._lock:
                    sink.requests.append(
                        Received(
                            self.path, dict(self.headers.items()), batch, answer.status, arrived
                        )
                    )
                body = answer.body.encode()
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-request (the crash tests) is expected here

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Sink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def then(self, *answers: Scripted) -> Sink:
        """Queue scripted answers, used in order by the next requests."""
        with self._lock:
            self._script.extend(answers)
        return self

    def _next(self) -> Scripted:
        with self._lock:
            self.started += 1
            return self._script.pop(0) if self._script else Scripted()

    def accepted(self) -> list[dict[str, Any]]:
        """Every activity of every request answered 2xx, in arrival order."""
        with self._lock:
            return [a for r in self.requests if 200 <= r.status < 300 for a in r.batch]

    def delivered(self, key: str) -> Counter[str]:
        """How often each value of `target[key]` arrived in an accepted request."""
        return Counter(str(a.get("target", {}).get(key)) for a in self.accepted())

    def wait_until(self, condition: Callable[[], bool], timeout: float = 20.0) -> bool:
        """Poll `condition` until it holds or `timeout` passes; return whether it held."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.01)
        return condition()


__all__ = ["Received", "Scripted", "Sink"]
