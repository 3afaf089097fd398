"""The demo collector: an ASGI (Starlette) app that speaks the Attraqt XO collect protocol.

Routes (see :func:`create_app`):

* ``POST /collect/{tracker_key}`` — the XO collect endpoint (use
  ``collect_url="http://HOST:PORT/collect"`` in the SDK). Body: one activity or a JSON array.
* ``GET /api/activities?since=ID&limit=N`` — stored activities with ``id > since``, oldest first.
* ``GET /api/profiles`` — the stitched profiles (see :mod:`demo.collector.stitching`).
* ``GET|POST|DELETE /api/faults`` — make the next collect calls fail (retry tests, demo).
* ``GET /api/health`` — liveness and activity count.
* ``GET /inspector`` — a live HTML view of the two APIs above.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from demo.collector.stitching import ActivityRow, Profile, profiles_of, stitch
from demo.collector.store import ActivityStore
from xo_web.errors import ValidationError
from xo_web.models import parse_activities, to_wire

log = logging.getLogger("demo.collector")

DEFAULT_TRACKER_KEYS: frozenset[str] = frozenset({"demo"})
DEFAULT_ALLOWED_ORIGINS: tuple[str, ...] = (
    "http://127.0.0.1:8000",
    "http://localhost:8000",
    "http://127.0.0.1:8080",
    "http://localhost:8080",
)
DEFAULT_MAX_BODY_BYTES = 256 * 1024
ACTIVITIES_PAGE_MAX = 1000

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

_STATIC_DIR = Path(__file__).parent
_INSPECTOR_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def error_response(
    status: int, message: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """An XO-style error body: ``{"error": <reason phrase>, "message": ...}`` (+ extras)."""
    body: dict[str, Any] = {"error": _REASONS.get(status, "Error"), "message": message}
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers)


class Rejected(Exception):
    """Raised inside a handler to answer with an XO-style error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.extra = extra

    def response(self) -> JSONResponse:
        """The JSON error response for this rejection."""
        return error_response(self.status, self.message, headers=self.headers, **self.extra)


@dataclass(frozen=True)
class Fault:
    """One scripted failure of ``POST /collect``: status and optional Retry-After seconds."""

    status: int
    retry_after: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The fault as JSON."""
        return {"status": self.status, "retryAfter": self.retry_after}


class FaultPlan:
    """A FIFO of scripted failures consumed by the next collect requests."""

    MAX_PENDING = 1000

    def __init__(self) -> None:
        self._pending: deque[Fault] = deque()

    def add(self, fault: Fault, count: int) -> None:
        """Queue ``count`` copies of ``fault``."""
        room = self.MAX_PENDING - len(self._pending)
        self._pending.extend([fault] * min(count, room))

    def take(self) -> Fault | None:
        """Pop the next fault, if any."""
        return self._pending.popleft() if self._pending else None

    def clear(self) -> None:
        """Drop every pending fault."""
        self._pending.clear()

    def to_json(self) -> list[dict[str, Any]]:
        """The pending faults as JSON."""
        return [f.to_json() for f in self._pending]


def is_json_media_type(content_type: str | None) -> bool:
    """True for ``application/json``, ``application/*+json`` (parameters ignored)."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def read_body_limited(request: Request, limit: int) -> bytes:
    """Read the request body incrementally, refusing it (413) as soon as it exceeds ``limit``.

    The declared Content-Length is checked before reading anything, and the bytes actually
    received are counted chunk by chunk, so an oversized body is never buffered whole.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise Rejected(400, "Invalid Content-Length header")
        if int(declared) > limit:
            raise Rejected(413, f"Request body is larger than {limit} bytes")
    buffer = bytearray()
    try:
        async for chunk in request.stream():
            buffer += chunk
            if len(buffer) > limit:
                raise Rejected(413, f"Request body is larger than {limit} bytes")
    except ClientDisconnect:
        raise Rejected(400, "Client disconnected before the body was complete") from None
    return bytes(buffer)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def decode_json(body: bytes) -> Any:
    """Parse a strict JSON document (UTF-8, no NaN/Infinity); ``Rejected(400)`` otherwise."""
    if not body.strip():
        raise Rejected(400, "Request body is empty")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(400, f"Request body is not valid UTF-8: {exc.reason}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise Rejected(
            400, f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise Rejected(400, f"Malformed JSON: {exc}") from None


def validate_activities(payload: Any) -> list[dict[str, Any]]:
    """Validate with the SDK's own models; return the activities in wire form."""
    try:
        activities = parse_activities(payload)
    except ValidationError as exc:
        raise Rejected(422, str(exc), field=exc.field, reason=exc.reason) from None
    except (ValueError, TypeError, RecursionError) as exc:  # defensive: never a 500
        raise Rejected(
            422, f"The provided activity does not match the required format: {exc}"
        ) from exc
    wires: list[dict[str, Any]] = []
    for activity in activities:
        wire = to_wire(activity)
        try:  # the store and the response need strict JSON
            json.dumps(wire, allow_nan=False)
        except (ValueError, TypeError) as exc:
            raise Rejected(422, f"The activity cannot be stored as JSON: {exc}") from None
        wires.append(wire)
    return wires


def create_app(
    *,
    data_dir: Path,
    tracker_keys: Collection[str] = DEFAULT_TRACKER_KEYS,
    allowed_origins: Sequence[str] = DEFAULT_ALLOWED_ORIGINS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    static_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """Build the collector app over ``<data_dir>/collector.sqlite3``.

    ``static_routes`` (Routes/Mounts, e.g. the SDK bundle and the storefront) are appended
    after the collector's own routes, so a ``Mount("/", ...)`` there never shadows them.
    """
    if max_body_bytes < 1:
        raise ValueError("max_body_bytes must be positive")
    store = ActivityStore(Path(data_dir))
    keys = frozenset([tracker_keys] if isinstance(tracker_keys, str) else tracker_keys)
    faults = FaultPlan()

    async def collect(request: Request) -> Response:
        try:
            tracker_key = request.path_params["tracker_key"]
            if tracker_key not in keys:
                raise Rejected(401, "Unknown tracker key")
            fault = faults.take()
            if fault is not None:
                headers = (
                    None if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                )
                raise Rejected(fault.status, "Injected failure (demo /api/faults)", headers=headers)
            encoding = request.headers.get("content-encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                raise Rejected(415, f"Unsupported Content-Encoding: {encoding}")
            if not is_json_media_type(request.headers.get("content-type")):
                raise Rejected(415, "Content-Type must be application/json")
            body = await read_body_limited(request, max_body_bytes)
            wires = validate_activities(decode_json(body))
            try:
                stored, profiles = await run_in_threadpool(
                    _store_and_stitch, store, tracker_key, wires
                )
            except sqlite3.OperationalError:
                log.exception("collector store unavailable")
                raise Rejected(
                    503, "Store busy, retry later", headers={"Retry-After": "1"}
                ) from None
        except Rejected as rejected:
            return rejected.response()
        log.info("stored %d activities for %s", len(stored), tracker_key)
        return JSONResponse({"profiles": {p.profile_id: p.summary() for p in profiles}})

    async def list_activities(request: Request) -> Response:
        try:
            since = _int_param(request, "since", default=0, minimum=0)
            limit = _int_param(
                request,
                "limit",
                default=ACTIVITIES_PAGE_MAX,
                minimum=1,
                maximum=ACTIVITIES_PAGE_MAX,
            )
        except Rejected as rejected:
            return rejected.response()
        rows = await run_in_threadpool(store.since, since, limit)
        return JSONResponse([activity_json(row) for row in rows])

    async def list_profiles(request: Request) -> Response:
        rows = await run_in_threadpool(store.all)
        return JSONResponse([p.to_json() for p in stitch(rows)])

    async def health(request: Request) -> Response:
        count = await run_in_threadpool(store.count)
        return JSONResponse({"status": "ok", "activities": count})

    async def faults_endpoint(request: Request) -> Response:
        if request.method == "DELETE":
            faults.clear()
        elif request.method == "POST":
            try:
                body = await read_body_limited(request, 4096)
                fault, count = _parse_fault(decode_json(body))
            except Rejected as rejected:
                return rejected.response()
            faults.add(fault, count)
        return JSONResponse({"pending": faults.to_json()})

    async def inspector(request: Request) -> Response:
        return _static_file("inspector.html", "text/html; charset=utf-8")

    async def inspector_js(request: Request) -> Response:
        return _static_file("inspector.js", "text/javascript; charset=utf-8")

    async def inspector_css(request: Request) -> Response:
        return _static_file("inspector.css", "text/css; charset=utf-8")

    routes: list[BaseRoute] = [
        Route("/collect/{tracker_key}", collect, methods=["POST"]),
        Route("/api/activities", list_activities, methods=["GET"]),
        Route("/api/profiles", list_profiles, methods=["GET"]),
        Route("/api/health", health, methods=["GET"]),
        Route("/api/faults", faults_endpoint, methods=["GET", "POST", "DELETE"]),
        Route("/inspector", inspector, methods=["GET"]),
        Route("/inspector.js", inspector_js, methods=["GET"]),
        Route("/inspector.css", inspector_css, methods=["GET"]),
        *static_routes,
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=list(allowed_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "X-SDK"],
            expose_headers=["Retry-After"],
            max_age=600,
        )
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: _http_exception, Exception: _server_error},
    )
    app.state.store = store
    app.state.faults = faults
    app.state.tracker_keys = keys
    return app


def activity_json(row: ActivityRow) -> dict[str, Any]:
    """A stored activity as returned by ``GET /api/activities``."""
    return {
        "id": row.id,
        "receivedAt": row.received_at,
        "trackerKey": row.tracker_key,
        "sessionId": row.sessionid,
        "ecommerceId": row.ecommerceid,
        "activity": row.wire,
    }


def _store_and_stitch(
    store: ActivityStore, tracker_key: str, wires: list[dict[str, Any]]
) -> tuple[list[ActivityRow], list[Profile]]:
    stored = store.add(tracker_key, wires)
    profiles = profiles_of(store.all(), (row.id for row in stored))
    return stored, profiles


def _int_param(
    request: Request, name: str, *, default: int, minimum: int, maximum: int | None = None
) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 18:
        raise Rejected(400, f"Query parameter {name!r} must be a non-negative integer")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
        raise Rejected(400, f"Query parameter {name!r} must be {bounds}")
    return value


def _parse_fault(payload: Any) -> tuple[Fault, int]:
    if not isinstance(payload, dict):
        raise Rejected(422, "Expected an object like {status, count, retryAfter}", field="")
    status = payload.get("status")
    count = payload.get("count", 1)
    retry_after = payload.get("retryAfter")
    if type(status) is not int or not 400 <= status <= 599:
        raise Rejected(422, "status must be an integer HTTP error status (400-599)", field="status")
    if type(count) is not int or not 1 <= count <= FaultPlan.MAX_PENDING:
        raise Rejected(422, f"count must be an integer 1..{FaultPlan.MAX_PENDING}", field="count")
    if retry_after is not None and (type(retry_after) is not int or not 0 <= retry_after <= 3600):
        raise Rejected(422, "retryAfter must be an integer 0..3600 (seconds)", field="retryAfter")
    return Fault(status=status, retry_after=retry_after), count


def _static_file(name: str, media_type: str) -> Response:
    content = (_STATIC_DIR / name).read_bytes()
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Security-Policy": _INSPECTOR_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        },
    )


def _is_api_path(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/collect", "/api/"))


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    if _is_api_path(request):
        response: Response = error_response(exc.status_code, exc.detail, headers=exc.headers)
    else:
        response = PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
    return response


async def _server_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "Internal error in the demo collector")


__all__ = [
    "DEFAULT_ALLOWED_ORIGINS",
    "DEFAULT_MAX_BODY_BYTES",
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
