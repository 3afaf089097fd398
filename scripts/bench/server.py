"""The bench's one local origin: uvicorn on 127.0.0.1 (free port) in a thread.

Routes: ``/bench/*`` the page files of ``pages/`` (``no-cache``), ``/xo/*`` the bundle through
the Starlette recipe (``xo_web.bundler.static.BundleFiles``: the build's ``.br``/``.gz``,
``immutable``), ``/reference/*`` the reference JS SDK (``StaticFiles``, ``max-age=3600``,
compressed copies written at start as for the bundle), and ``POST /sink/{key}``, a counting
collector that answers ``{"profiles": {}}`` at once. ``plain=True`` serves ``/xo/`` and
``/reference/`` as a plain static server does instead: Last-Modified and ETag, no
Cache-Control, nothing compressed. Every request path is logged, and the bytes each response
put on the wire (for the first-visit bytes); nothing here is routed through Playwright.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.support.asgi_site import serve_asgi
from xo_web.bundler.static import BundleFiles

CACHE_CONTROL = "public, max-age=3600"
CONTENT_TYPES = {
    ".mjs": "text/javascript; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
}
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}


class Files(StaticFiles):
    """StaticFiles with exact MIME types and one Cache-Control for every file."""

    def __init__(
        self,
        directory: Path,
        cache_control: str,
        isolated: frozenset[str] = frozenset(),
        gz: bool = False,
    ) -> None:
        super().__init__(directory=directory)
        self.cache_control = cache_control
        self.isolated = isolated
        self.gz = gz  # serve a file's .gz copy (the reference SDK's) when the client takes it

    async def get_response(self, path: str, scope: Scope) -> Response:
        """Serve ``path`` with the bench's headers."""
        accepts = b"gzip" in dict(scope.get("headers", [])).get(b"accept-encoding", b"")
        copy = Path(str(self.directory)) / (path + ".gz")
        if self.gz and self.cache_control and accepts and copy.is_file():
            response: Response = await super().get_response(path + ".gz", scope)
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Accept-Encoding"
        else:
            response = await super().get_response(path, scope)
        if self.cache_control:
            response.headers["Cache-Control"] = self.cache_control
        suffix = Path(path).suffix
        if suffix in CONTENT_TYPES and response.status_code == 200:
            response.headers["Content-Type"] = CONTENT_TYPES[suffix]
        if path in self.isolated:
            response.headers.update(ISOLATION_HEADERS)
        return response


@dataclass
class Traffic:
    """What the server saw: request paths (in order) and activities received by the sink."""

    paths: list[str] = field(default_factory=list)
    wire_bytes: dict[str, int] = field(default_factory=dict)  # path -> body bytes last sent
    sunk: int = 0
    sunk_by_key: dict[str, int] = field(default_factory=dict)
    posts: int = 0
    last_post: float | None = None

    def take_paths(self) -> list[str]:
        """Return the paths logged since the last call, and forget them."""
        paths, self.paths = self.paths, []
        return paths

    def reset_sink(self) -> None:
        """Zero the sink's counters."""
        self.sunk = self.posts = 0
        self.sunk_by_key = {}
        self.last_post = None


def count_activities(body: bytes) -> int:
    """Return how many activities a collector request body holds (a JSON list, or one)."""
    try:
        value = json.loads(body)
    except ValueError:
        return 0
    return len(value) if isinstance(value, list) else 1


def build_app(
    pages: Path,
    bundle: Path,
    reference: Path,
    traffic: Traffic,
    isolated: frozenset[str],
    plain: bool = False,
) -> ASGIApp:
    """Return the bench's ASGI app, wrapped so every request path is logged in ``traffic``."""

    async def sink(request: Request) -> Response:
        count = count_activities(await request.body())
        key = str(request.path_params["tracker_key"])
        traffic.sunk += count
        traffic.sunk_by_key[key] = traffic.sunk_by_key.get(key, 0) + count
        traffic.posts += 1
        traffic.last_post = time.monotonic()
        return JSONResponse({"profiles": {}})

    app = Starlette(
        routes=[
            Route("/sink/{tracker_key}", sink, methods=["POST"]),
            Mount("/bench", app=Files(pages, "no-cache", isolated)),
            Mount("/xo", app=Files(bundle, "") if plain else BundleFiles(directory=bundle)),
            Mount("/reference", app=Files(reference, "" if plain else CACHE_CONTROL, gz=True)),
        ]
    )

    async def logged(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = str(scope["path"])
        traffic.paths.append(path)

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = dict(message.get("headers", []))
                length = headers.get(b"content-length")
                if length is not None:
                    traffic.wire_bytes[path] = int(length)
            await send(message)

        await app(scope, receive, counted)

    return logged


@dataclass
class Server:
    """The running server: its origin and what it saw."""

    origin: str
    traffic: Traffic

    def url(self, page: str) -> str:
        """Return the URL of a page file in pages/ (``xo.html``, ``reference.html?sink``)."""
        return f"{self.origin}/bench/{page}"


@contextmanager
def serve(
    pages: Path,
    bundle: Path,
    reference: Path,
    isolated: frozenset[str] = frozenset(),
    plain: bool = False,
) -> Iterator[Server]:
    """Run the bench app on 127.0.0.1 in a thread for the duration of the block."""
    traffic = Traffic()
    app = build_app(pages, bundle, reference, traffic, isolated, plain)
    with serve_asgi(app, timeout_keep_alive=30) as origin:
        yield Server(origin, traffic)
