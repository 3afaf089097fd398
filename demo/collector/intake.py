"""Request intake: what a body must look like before anything is stored.

This module owns the checks every state-changing request goes through, in order: JSON-only
content type and no content coding (so no plain ``text/plain`` "simple request" from another
site gets through without a CORS preflight), the body size limit enforced on the bytes actually
streamed, strict JSON (the SDK's own :func:`xo_web.wire.loads_strict`: no NaN/Infinity),
validation with the SDK's models, and the parsing of numeric query parameters.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import ClientDisconnect, Request

from demo.collector.errors import Rejected
from xo_web.errors import ValidationError
from xo_web.wire import loads_strict, parse_activities, to_wire

_MAX_INT_DIGITS = 18


def is_json_media_type(content_type: str | None) -> bool:
    """True for ``application/json``, ``application/*+json`` (parameters ignored)."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def require_json(request: Request) -> None:
    """Refuse (415) a body that is not declared as JSON or that is content-encoded."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise Rejected(415, f"Unsupported Content-Encoding: {encoding}")
    if not is_json_media_type(request.headers.get("content-type")):
        raise Rejected(415, "Content-Type must be application/json")


async def read_body_limited(request: Request, limit: int) -> bytes:
    """Read the request body incrementally, refusing it (413) as soon as it exceeds ``limit``.

    The declared Content-Length is checked before reading anything, and the bytes actually
    received are counted chunk by chunk, so an oversized body is never buffered whole.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        declared = declared.strip()
        if not (declared.isascii() and declared.isdigit()):
            raise Rejected(400, "Invalid Content-Length header")
        if len(declared) > _MAX_INT_DIGITS or int(declared) > limit:
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


def decode_json(body: bytes) -> Any:
    """Parse a strict JSON document (UTF-8, no NaN/Infinity); ``Rejected(400)`` otherwise."""
    if not body.strip():
        raise Rejected(400, "Request body is empty")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(400, f"Request body is not valid UTF-8: {exc.reason}") from None
    try:
        return loads_strict(text)
    except json.JSONDecodeError as exc:
        raise Rejected(
            400, f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise Rejected(400, f"Malformed JSON: {exc}") from None


async def read_json(request: Request, limit: int) -> Any:
    """The request's body as strict JSON, after the content-type and size checks."""
    require_json(request)
    return decode_json(await read_body_limited(request, limit))


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


def int_param(
    request: Request, name: str, *, default: int, minimum: int, maximum: int | None = None
) -> int:
    """A non-negative integer query parameter in ASCII digits (``²`` or ``٣`` are refused)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > _MAX_INT_DIGITS:
        raise Rejected(400, f"Query parameter {name!r} must be a non-negative integer")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" + ("" if maximum is None else f" and <= {maximum}")
        raise Rejected(400, f"Query parameter {name!r} must be {bounds}")
    return value
