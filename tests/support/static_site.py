"""A threaded static web server on 127.0.0.1 for browser tests: mounted folders and pages."""

from __future__ import annotations

import mimetypes
import posixpath
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".whl": "application/octet-stream",
    ".zip": "application/zip",
}


PUBLIC_FILE_HEADERS = {"Access-Control-Allow-Origin": "*"}


@dataclass
class Page:
    """An in-memory page with its own response headers (a CSP, for instance)."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class StaticSite:
    """Serves folders under URL prefixes and in-memory pages, on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.mounts: dict[str, Path] = {}
        self.pages: dict[str, Page] = {}
        self.requested: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        """Return ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> StaticSite:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def mount(self, prefix: str, folder: Path) -> None:
        """Serve ``folder`` under the URL path ``prefix`` (which ends with a slash)."""
        self.mounts[prefix] = folder

    def add_page(self, path: str, html: str, headers: dict[str, str] | None = None) -> str:
        """Serve ``html`` at ``path``; return its full URL."""
        self.pages[path] = Page(html.encode(), headers=dict(headers or {}))
        return self.origin + path

    def _resolve(self, path: str) -> Path | None:
        for prefix, folder in self.mounts.items():
            if path.startswith(prefix):
                relative = posixpath.normpath(path[len(prefix) :]).lstrip("/")
                if relative.startswith(".."):
                    return None
                candidate = folder / relative
                return candidate if candidate.is_file() else None
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = unquote(urlsplit(handler.path).path)
        self.requested.append(path)
        page = self.pages.get(path)
        if page is not None:
            self._respond(handler, 200, page.body, page.content_type, page.headers)
            return
        file = self._resolve(path)
        if file is None:
            self._respond(handler, 404, b"not found", "text/plain", {})
            return
        content_type = CONTENT_TYPES.get(file.suffix) or (
            mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        )
        # Bundle files are public and served like a CDN would: an opaque-origin (sandboxed)
        # frame loads them cross-origin, which needs CORS.
        self._respond(handler, 200, file.read_bytes(), content_type, PUBLIC_FILE_HEADERS)

    @staticmethod
    def _respond(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str],
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Cache-Control", "no-cache")
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
