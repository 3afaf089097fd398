"""Request guards that run before routing: which Host names and which paths are served at all.

This module owns the middleware that refuses a request before any endpoint sees it:

* a Host header check (Starlette's ``TrustedHostMiddleware``): a page on another domain that
  rebinds its DNS name to 127.0.0.1 reaches the collector with *its* Host name and gets 400,
  so it can neither read ``/api/*`` nor switch faults on;
* a path check: a path with a NUL or another control character, or an absurdly long one, is
  answered 400/414 instead of reaching file lookups that would fail with a 500.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from demo.collector.errors import error_response, is_api_path

# Loopback names only. Add the name you serve under, if any (tests add TestClient's
# "testserver" themselves, or use base_url="http://127.0.0.1").
DEFAULT_ALLOWED_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]")
MAX_PATH_LENGTH = 2048

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PathGuard:
    """Answer 400 to a path with control characters and 414 to one over MAX_PATH_LENGTH."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and isinstance(path, str):
            if len(path) > MAX_PATH_LENGTH:
                await _refuse(path, 414, "Request path is too long")(scope, receive, send)
                return
            if _CONTROL.search(path):
                message = "Request path contains a control character"
                await _refuse(path, 400, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _refuse(path: str, status: int, message: str) -> Response:
    if is_api_path(path):
        return error_response(status, message)
    return PlainTextResponse(message, status_code=status)


def guard_middleware(allowed_hosts: Sequence[str]) -> list[Middleware]:
    """The guards, outermost first: the Host check, then the path check."""
    hosts = [allowed_hosts] if isinstance(allowed_hosts, str) else list(allowed_hosts)
    if not hosts:
        raise ValueError("allowed_hosts must name at least one host (or '*' for any)")
    return [
        Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False),
        Middleware(PathGuard),
    ]
