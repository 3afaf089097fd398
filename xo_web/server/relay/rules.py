"""What the relay accepts: the checks a request passes before anything goes upstream.

This module owns `Refusal` (a 4xx with a JSON body naming what was wrong, and the field for a
bad activity) and the checks in the order the app applies them: the path and tracker key, the
method, the origin (`Origin`, else `Referer`), the content type, the body cap (counted over the
`http.request` messages as they arrive, never trusting `Content-Length` alone) and the body
itself, parsed strictly (no NaN, no repeated key: the body is forwarded as received, so the
collector must not be able to read it otherwise than it was validated) and validated with the
browser's own wire models.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from xo_web.errors import ValidationError
from xo_web.server.relay.config import RelayConfig, check_origin
from xo_web.wire import parse_activities

if TYPE_CHECKING:
    from xo_web.wire.models import Activity

Headers = Mapping[str, str]


class Refusal(Exception):
    """A request the relay refuses: HTTP status, a short error, a message, maybe a field."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status = status
        self.error = error
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        """The JSON answer, in the collector's error shape plus the field when there is one."""
        answer: dict[str, object] = {"error": self.error, "message": self.message}
        if self.field is not None:
            answer["field"] = self.field
        return answer


def route_key(config: RelayConfig, path: str) -> str:
    """Return the configured tracker key a path names (`{path}/{key}`), or refuse with 404."""
    prefix = config.path + "/"
    if not path.startswith(prefix):
        raise Refusal(404, "not_found", "Nothing is relayed at this path")
    key = path[len(prefix) :]
    if config.upstream_for(key) is None:
        raise Refusal(404, "unknown_tracker_key", "This tracker key is not relayed here")
    return key


def check_method(method: str) -> None:
    """Only POST is relayed (OPTIONS is the CORS preflight, answered before this)."""
    if method != "POST":
        raise Refusal(405, "method_not_allowed", "Only POST is accepted", headers={"Allow": "POST"})


def request_origin(headers: Headers) -> str | None:
    """The origin a request comes from: its `Origin`, else the origin of its `Referer`."""
    origin = headers.get("origin")
    if origin is None:
        referer = headers.get("referer")
        if referer is None:
            return None
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    try:
        return check_origin(origin)
    except ValueError:
        return "invalid"


def check_origin_allowed(config: RelayConfig, headers: Headers) -> str:
    """Return the request's allowed origin, or refuse a missing or foreign one with 403."""
    origin = request_origin(headers)
    if origin is None:
        raise Refusal(403, "origin_required", "An Origin or Referer header is required")
    if origin not in config.allowed_origins:
        raise Refusal(403, "origin_not_allowed", "This origin may not send through this relay")
    return origin


def check_content_type(headers: Headers) -> None:
    """Only `application/json` (with parameters such as a charset) is relayed."""
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise Refusal(415, "unsupported_media_type", "The body must be application/json")


def check_declared_length(config: RelayConfig, headers: Headers) -> None:
    """Refuse at once a body whose declared `Content-Length` is over the cap."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > config.max_body_bytes:
        raise too_large(config)


def too_large(config: RelayConfig) -> Refusal:
    """The refusal of a body over the cap."""
    limit = config.max_body_bytes
    return Refusal(413, "payload_too_large", f"The body is larger than {limit} bytes")


class BodyCounter:
    """Collects the body's chunks and refuses once their total passes the cap."""

    def __init__(self, config: RelayConfig) -> None:
        self._config = config
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        """Add one `http.request` message's body; refuse with 413 past the cap."""
        self._size += len(chunk)
        if self._size > self._config.max_body_bytes:
            raise too_large(self._config)
        self._chunks.append(chunk)

    def body(self) -> bytes:
        """The whole body received so far."""
        return b"".join(self._chunks)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """An object without repeated keys: parsers disagree on which one wins, and the collector
    must read the body exactly as it was validated here."""
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key!r} is repeated in an object")
        found[key] = value
    return found


def check_body(body: bytes) -> list[Activity]:
    """Parse and validate the body as the browser's wire models do; refuse with 400 naming
    the field. Returns the validated activities (a spool records their wire dicts)."""
    try:
        payload = json.loads(
            body.decode("utf-8"), parse_constant=_refuse_constant, object_pairs_hook=_unique
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refusal(400, "invalid_json", f"The body is not valid JSON: {exc}") from None
    try:
        activities = parse_activities(payload)
    except ValidationError as exc:
        raise Refusal(400, "invalid_activity", str(exc), field=exc.field) from None
    return activities


__all__ = [
    "BodyCounter",
    "Refusal",
    "check_body",
    "check_content_type",
    "check_declared_length",
    "check_method",
    "check_origin_allowed",
    "request_origin",
    "route_key",
    "too_large",
]
