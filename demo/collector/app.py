"""The demo collector app: :func:`create_app` assembles the pieces into one Starlette app.

This module owns the assembly and its settings (tracker keys, CORS origins, allowed Host names,
body and table limits): the endpoints come from :mod:`~demo.collector.routes`, the request
checks from :mod:`~demo.collector.intake` and :mod:`~demo.collector.guards`, persistence and
stitching from :mod:`~demo.collector.store` and :mod:`~demo.collector.profiles`, the scripted
failures from :mod:`~demo.collector.faults`, the error answers from
:mod:`~demo.collector.errors`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute

from demo.collector import errors
from demo.collector.errors import Rejected, error_response
from demo.collector.faults import Fault, FaultPlan
from demo.collector.guards import DEFAULT_ALLOWED_HOSTS, guard_middleware
from demo.collector.intake import (
    decode_json,
    is_json_media_type,
    read_body_limited,
    validate_activities,
)
from demo.collector.routes import Endpoints, activity_json
from demo.collector.store import DEFAULT_MAX_ROWS, ActivityStore

DEFAULT_TRACKER_KEYS: frozenset[str] = frozenset({"demo"})
DEFAULT_ALLOWED_ORIGINS: tuple[str, ...] = (
    "http://127.0.0.1:8000",
    "http://localhost:8000",
    "http://127.0.0.1:8080",
    "http://localhost:8080",
)
DEFAULT_MAX_BODY_BYTES = 256 * 1024


def create_app(
    *,
    data_dir: Path,
    tracker_keys: Collection[str] = DEFAULT_TRACKER_KEYS,
    allowed_origins: Sequence[str] = DEFAULT_ALLOWED_ORIGINS,
    allowed_hosts: Sequence[str] = DEFAULT_ALLOWED_HOSTS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    static_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """Build the collector app over ``<data_dir>/collector.sqlite3``.

    ``allowed_hosts`` are the Host names served (others get 400: DNS rebinding); ``max_rows``
    caps the stored activities, the oldest deleted first (None: no cap). ``static_routes``
    (Routes/Mounts, e.g. the SDK bundle and the storefront) are appended after the collector's
    own routes, so a ``Mount("/", ...)`` there never shadows them.
    """
    if max_body_bytes < 1:
        raise ValueError("max_body_bytes must be positive")
    store = ActivityStore(Path(data_dir), max_rows=max_rows)
    keys = frozenset([tracker_keys] if isinstance(tracker_keys, str) else tracker_keys)
    faults = FaultPlan()
    endpoints = Endpoints(store, faults, keys, max_body_bytes)
    middleware = [
        *guard_middleware(allowed_hosts),
        Middleware(
            CORSMiddleware,
            allow_origins=list(allowed_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "X-SDK"],
            expose_headers=["Retry-After"],
            max_age=600,
        ),
    ]
    app = Starlette(
        routes=[*endpoints.routes(), *static_routes],
        middleware=middleware,
        exception_handlers={
            HTTPException: errors.http_exception,
            Rejected: errors.rejected,
            Exception: errors.server_error,
        },
    )
    app.state.store = store
    app.state.faults = faults
    app.state.tracker_keys = keys
    return app


__all__ = [
    "DEFAULT_ALLOWED_HOSTS",
    "DEFAULT_ALLOWED_ORIGINS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_TRACKER_KEYS",
    "Fault",
    "FaultPlan",
    "Rejected",
    "activity_json",
    "create_app",
    "decode_json",
    "error_response",
    "is_json_media_type",
    "read_body_limited",
    "validate_activities",
]
