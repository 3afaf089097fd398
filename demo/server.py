"""The demo server: the XO-compatible collector, the SDK bundle and the storefront SPA.

One Starlette app (see :func:`create_demo_app`) on one origin, so the storefront posts to its
own ``/collect`` and nothing needs CORS:

* ``/xo-relay/{trackerKey}`` — the first-party relay (:mod:`xo_web.server.relay`), where the
  storefront sends: storefront → relay → collector, as a shop runs it on its own domain. Its
  upstream is this app's own ``/collect``, called in-process; the collector records the
  relay's ``Via`` header and the inspector shows which activities came through it.
* ``/collect``, ``/api/...``, ``/inspector`` — the collector (:mod:`demo.collector`).
* ``/api/catalog`` — the storefront's products as JSON.
* ``/api/checkout`` — the shop's backend confirming an order through ``xo_web.server``
  (:mod:`demo.checkout`), when ``backend_collect_url`` is given.
* ``/xo/...`` — the static bundle built by ``xo-web build DIR --base-url /xo/``.
* ``/app.py``, ``/pyscript.json``, ``/shop/*.py``, ``/style.css``, ... — the storefront's own files.
* every other path without a file extension (``/``, ``/product/p-1``, ``/cart``, ...) —
  ``index.html``: the SPA's client-side routes survive a reload or a shared link.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from demo.checkout import backend_lifespan, checkout_routes
from demo.collector import create_app
from demo.collector.app import DEFAULT_ALLOWED_ORIGINS, DEFAULT_MAX_BODY_BYTES
from xo_web.server.relay import DEFAULT_PATH as RELAY_PATH
from xo_web.server.relay import make_relay_config
from xo_web.server.relay.app import RelayApp
from xo_web.server.relay.upstream import httpx

STOREFRONT_DIR = Path(__file__).resolve().parent / "storefront"
BUNDLE_PREFIX = "/xo"

# Set explicitly: the host's mime.types may not know .mjs/.wasm, and the browser refuses a
# module script or wasm streaming compilation served with the wrong type.
CONTENT_TYPES = {
    ".mjs": "text/javascript; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".py": "text/x-python; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".whl": "application/zip",
    ".zip": "application/zip",
}

# Paths the SPA fallback must never answer with index.html.
RESERVED_PREFIXES = ("xo", "collect", "api", "inspector", RELAY_PATH.strip("/"))
# The relay's upstream: this app's own collector, reached in-process (see demo_relay).
RELAY_UPSTREAM = "http://127.0.0.1/collect"

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}

# The storefront's policy: scripts and requests only from this origin, so the browser itself
# enforces "nothing leaves the demo". 'unsafe-eval' is there for PyScript 0.7.31 alone, whose
# core.js builds hooks with Function(...); xo.js pages without PyScript need only
# 'wasm-unsafe-eval' (docs/build.md, "Content Security Policy").
STOREFRONT_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def content_type_for(path: str | os.PathLike[str]) -> str | None:
    """The Content-Type this server uses for a file name, or None to let Starlette guess."""
    return CONTENT_TYPES.get(PurePosixPath(os.fspath(path)).suffix.lower())


class TypedStaticFiles(StaticFiles):
    """StaticFiles with fixed Content-Types for the bundle's file kinds and ``nosniff``."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """Serve one file with the right type (``.mjs``: text/javascript, ``.wasm``: wasm)."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        media_type = content_type_for(full_path)
        if media_type is not None:
            response.headers["content-type"] = media_type
        response.headers.update(SECURITY_HEADERS)
        return response


def load_catalog(storefront_dir: Path = STOREFRONT_DIR) -> dict[str, Any]:
    """Read and sanity-check ``catalog.json``: products with id, name, integer cents, EUR."""
    catalog: dict[str, Any] = json.loads((storefront_dir / "catalog.json").read_text("utf-8"))
    products = catalog.get("products")
    if not isinstance(products, list) or not products:
        raise ValueError("catalog.json must hold a non-empty 'products' list")
    seen: set[str] = set()
    for product in products:
        pid = product.get("id")
        if not isinstance(pid, str) or not pid or pid in seen:
            raise ValueError(f"catalog.json: bad or duplicate product id {pid!r}")
        seen.add(pid)
        if type(product.get("price")) is not int or product["price"] < 0:
            raise ValueError(f"catalog.json: {pid}: price must be integer cents")
        if not isinstance(product.get("currency"), str) or len(product["currency"]) != 3:
            raise ValueError(f"catalog.json: {pid}: currency must be an ISO 4217 code")
    return catalog


def storefront_routes(storefront_dir: Path = STOREFRONT_DIR) -> list[BaseRoute]:
    """``/api/catalog``, the storefront's files and the SPA fallback to ``index.html``."""
    catalog = load_catalog(storefront_dir)
    root = storefront_dir.resolve()
    index = root / "index.html"

    async def catalog_endpoint(request: Request) -> Response:
        return JSONResponse(catalog, headers={"Cache-Control": "no-cache"})

    async def storefront(request: Request) -> Response:
        path = str(request.path_params.get("path", "")).strip("/")
        first = path.split("/", 1)[0]
        if first in RESERVED_PREFIXES:
            raise HTTPException(404)
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return _file(candidate)
            if "." in PurePosixPath(path).name:  # a missing file, not a client-side route
                raise HTTPException(404)
        return _file(index)

    return [
        Route("/api/catalog", catalog_endpoint, methods=["GET"]),
        Route("/{path:path}", storefront, methods=["GET", "HEAD"]),
    ]


def _file(path: Path) -> Response:
    headers = {"Cache-Control": "no-cache", **SECURITY_HEADERS}
    if path.suffix == ".html":
        headers["Content-Security-Policy"] = STOREFRONT_CSP
    return FileResponse(path, media_type=content_type_for(path), headers=headers)


def create_demo_app(
    *,
    bundle_dir: Path,
    data_dir: Path,
    storefront_dir: Path = STOREFRONT_DIR,
    tracker_keys: Collection[str] = frozenset({"demo"}),
    allowed_origins: Sequence[str] = DEFAULT_ALLOWED_ORIGINS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    backend_collect_url: str | None = None,
) -> Starlette:
    """The collector app plus the bundle under ``/xo/`` and the storefront under ``/``.

    ``bundle_dir`` is the output of ``xo-web build DIR --base-url /xo/``; ``data_dir`` holds
    the collector's SQLite file (and the backend's outbox). ``backend_collect_url`` (this
    server's own ``/collect`` URL) turns on ``/api/checkout``: its Tracker is made and closed
    by the app's lifespan.
    """
    bundle_dir = Path(bundle_dir)
    if not (bundle_dir / "pyscript.json").is_file():
        raise FileNotFoundError(
            f"{bundle_dir} is not an xo_web bundle: run `make bundle` "
            "(xo-web build build/xo --base-url /xo/)"
        )
    built: list[Starlette] = []  # the app, once made: the relay's upstream calls into it

    async def collector(scope: Scope, receive: Receive, send: Send) -> None:
        await built[0](scope, receive, send)

    backend = checkout_routes(load_catalog(storefront_dir)) if backend_collect_url else []
    static_routes: list[BaseRoute] = [
        Mount(RELAY_PATH, app=demo_relay(collector, tracker_keys, allowed_origins)),
        Mount(BUNDLE_PREFIX, app=TypedStaticFiles(directory=bundle_dir), name="xo"),
        *backend,
        *storefront_routes(storefront_dir),
    ]
    app = create_app(
        data_dir=data_dir,
        tracker_keys=tracker_keys,
        allowed_origins=allowed_origins,
        max_body_bytes=max_body_bytes,
        static_routes=static_routes,
    )
    if backend_collect_url:
        app.router.lifespan_context = backend_lifespan(backend_collect_url, Path(data_dir))
    built.append(app)
    return app


def demo_relay(
    collector: ASGIApp, tracker_keys: Collection[str], allowed_origins: Sequence[str]
) -> RelayApp:
    """The relay the storefront sends through, its upstream the collector app in-process."""
    config = make_relay_config(tracker_keys, allowed_origins, collect_url=RELAY_UPSTREAM)
    transport = httpx.ASGITransport(app=collector, client=("127.0.0.1", 0))
    return RelayApp(config, transport=transport)


__all__ = ["CONTENT_TYPES", "STOREFRONT_DIR", "create_demo_app", "load_catalog"]
