"""CORS for the allowed origins: the headers on every answer, and the preflight.

This module owns what the relay tells a browser about cross-origin use. A relay on the shop's
own origin needs none of it (same-origin requests are not preflighted); a relay on another
subdomain or port answers the preflight that `X-SDK` and `Content-Type: application/json`
trigger, for the allowed origins only, and lets the page read `Retry-After`.
"""

from __future__ import annotations

from xo_web.server.relay.config import RelayConfig
from xo_web.server.relay.rules import Headers, Refusal, request_origin

ALLOWED_REQUEST_HEADERS = frozenset({"content-type", "x-sdk"})
PREFLIGHT_MAX_AGE_S = 600


def cors_headers(config: RelayConfig, origin: str | None) -> dict[str, str]:
    """The CORS headers for an answer to `origin` (none for a foreign or missing origin)."""
    headers = {"Vary": "Origin"}
    if origin is not None and origin in config.allowed_origins:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = "Retry-After"
    return headers


def preflight(config: RelayConfig, headers: Headers) -> dict[str, str]:
    """Answer an OPTIONS preflight: the headers of a 204 for an allowed origin asking to POST
    with at most Content-Type and X-SDK; refuse anything else with 403."""
    origin = request_origin(headers)
    if origin is None or origin not in config.allowed_origins:
        raise Refusal(403, "origin_not_allowed", "This origin may not send through this relay")
    if headers.get("access-control-request-method", "").upper() != "POST":
        raise Refusal(403, "method_not_allowed", "Only POST is accepted")
    asked = headers.get("access-control-request-headers", "")
    wanted = {name.strip().lower() for name in asked.split(",") if name.strip()}
    if not wanted <= ALLOWED_REQUEST_HEADERS:
        extra = ", ".join(sorted(wanted - ALLOWED_REQUEST_HEADERS))
        raise Refusal(403, "header_not_allowed", f"These request headers are not allowed: {extra}")
    return {
        **cors_headers(config, origin),
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type, X-SDK",
        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
    }


__all__ = ["ALLOWED_REQUEST_HEADERS", "PREFLIGHT_MAX_AGE_S", "cors_headers", "preflight"]
