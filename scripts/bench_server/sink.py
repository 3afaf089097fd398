"""The benchmark's sink: a subprocess HTTP server on 127.0.0.1 that counts what it receives.

Any POST is answered 200 ``{"profiles": {}}``; its activities are counted whatever the shape:
a JSON array (XO), or an object with a ``batch`` array (Segment ``/v1/batch``, PostHog
``/batch/``), gzip or not. ``GET /count`` answers ``{"activities": n, "requests": m}``.
Run as ``python -m scripts.bench_server.sink``: it prints its port on the first line.
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_lock = threading.Lock()
_counts = {"activities": 0, "requests": 0}


def count_of(body: Any) -> int:
    """How many activities/events a request body holds."""
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict) and isinstance(body.get("batch"), list):
        return len(body["batch"])
    return 1 if isinstance(body, dict) else 0


class Handler(BaseHTTPRequestHandler):
    """Counts POSTed activities; answers GET /count."""

    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: without it the body, written after the headers, waits for the client's
    # delayed ACK (Nagle's algorithm): ~40 ms per request, for every SDK alike.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        try:
            n = count_of(json.loads(raw))
        except ValueError:
            n = 0
        with _lock:
            _counts["activities"] += n
            _counts["requests"] += 1
        self._answer(b'{"profiles": {}}')

    def do_GET(self) -> None:
        with _lock:
            body = json.dumps(_counts).encode()
        self._answer(body)

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def main() -> None:
    """Serve until killed; print the port first."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
