"""Error answers of the demo collector: the XO error body, and the app's exception handlers.

This module owns how a failure looks on the wire: ``{"error": <reason>, "message": ...}`` for
``/collect`` and ``/api/*`` (what the SDK and the XO collector use), plain text elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

log = logging.getLogger("demo.collector")

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


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


def is_api_path(path: str) -> bool:
    """True for the collector's machine-facing paths (``/collect...`` and ``/api/...``)."""
    return path.startswith(("/collect", "/api/"))


async def http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors (404, 405, ...): JSON under the API paths, plain text elsewhere."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    if is_api_path(request.url.path):
        return error_response(exc.status_code, exc.detail, headers=exc.headers)
    return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)


async def rejected(request: Request, exc: Exception) -> Response:
    """A :class:`Rejected` raised anywhere below the router."""
    assert isinstance(exc, Rejected)
    return exc.response()


async def server_error(request: Request, exc: Exception) -> Response:
    """An unexpected error: logged with its traceback, answered 500 without details."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "Internal error in the demo collector")
