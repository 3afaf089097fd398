"""The relay's ASGI app: one request in, the checks in order, one request upstream, an answer.

This module owns `RelayApp`, a raw ASGI callable (no framework) that a shop runs standalone on
uvicorn or mounts under Starlette/FastAPI (`Mount`) or beside Django in its `asgi.py`. It
matches `{path}/{trackerKey}` on the full request path (`scope["path"]`, which holds the
mount prefix under Starlette and uvicorn's `--root-path`), answers the CORS preflight, applies
`rules` (key, method, origin, rate limit, type, body cap, wire validation), and forwards the
validated body unchanged to the pinned upstream. When the collector is down it answers 503
(502 for a 5xx, 429 passed on) with `Retry-After`, so the browser's outbox keeps the batch, or,
given a `Spool`, records the batch durably and answers 202. It holds no state a second
instance would need: the rate-limit buckets are per process (see `ratelimit`).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from xo_web.server.relay import cors, rules
from xo_web.server.relay.config import RelayConfig
from xo_web.server.relay.ratelimit import RateLimiter, client_address
from xo_web.server.relay.rules import Refusal
from xo_web.server.relay.spool import Spool, spooled_body
from xo_web.server.relay.upstream import Transport, Upstream, UpstreamDown, upstream_headers

if TYPE_CHECKING:
    from xo_web.wire.models import Activity

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("xo_web.server.relay")


class ClientGone(Exception):
    """The browser went away before its body arrived: nothing to answer."""


class RelayApp:
    """The first-party relay as an ASGI app (see the module docstring)."""

    def __init__(
        self,
        config: RelayConfig,
        *,
        spool: Spool | None = None,
        transport: Transport | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.config = config
        self.spool = spool
        self.upstream = Upstream(config, transport=transport)
        self.limiter = limiter or RateLimiter.from_config(config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection: the lifespan, or one HTTP request."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:  # a websocket: nothing is relayed over one
            await send({"type": "websocket.close", "code": 1008})

    @asynccontextmanager
    async def running(self) -> AsyncIterator[RelayApp]:
        """Open and close the upstream client inside a host app's own lifespan (Starlette's
        `Mount` does not pass the lifespan to a mounted app; without it the client opens on
        the first request)."""
        await self.upstream.open()
        try:
            yield self
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the upstream client and the spool."""
        await self.upstream.close()
        if self.spool is not None:
            await self.spool.aclose()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.upstream.open()
                except Exception as exc:  # pragma: no cover - opening a client cannot fail
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        origin = rules.request_origin(headers)
        extra = cors.cors_headers(self.config, origin)
        try:
            status, body, more = await self._handle(scope, headers, receive)
        except Refusal as refusal:
            status, body, more = refusal.status, _json(refusal.body()), refusal.headers
            log.debug("refused %s %s: %s", status, refusal.error, refusal.message)
        except ClientGone:
            return
        await _respond(send, status, body, {**extra, **more})

    async def _handle(
        self, scope: Scope, headers: dict[str, str], receive: Receive
    ) -> tuple[int, bytes, dict[str, str]]:
        key = rules.route_key(self.config, _full_path(scope))
        if scope["method"] == "OPTIONS":
            return 204, b"", cors.preflight(self.config, headers)
        rules.check_method(scope["method"])
        rules.check_origin_allowed(self.config, headers)
        peer = (scope.get("client") or (None,))[0]
        client_ip = client_address(
            peer, headers.get("x-forwarded-for"), self.config.trusted_proxies
        )
        wait = self.limiter.take(client_ip or "unknown")
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            raise Refusal(429, "rate_limited", "Too many requests", headers={"Retry-After": retry})
        rules.check_content_type(headers)
        rules.check_declared_length(self.config, headers)
        body = await self._read_body(receive)
        activities = rules.check_body(body)
        return await self._forward(key, body, activities, headers, client_ip)

    async def _read_body(self, receive: Receive) -> bytes:
        counter = rules.BodyCounter(self.config)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            counter.add(message.get("body", b""))
            if not message.get("more_body", False):
                return counter.body()

    async def _forward(
        self,
        key: str,
        body: bytes,
        activities: list[Activity],
        headers: dict[str, str],
        client_ip: str | None,
    ) -> tuple[int, bytes, dict[str, str]]:
        url = self.config.upstreams[key]  # from the configuration, never from the request
        try:
            reply = await self.upstream.post(
                url, body, upstream_headers(self.config, headers, client_ip)
            )
        except UpstreamDown as down:
            log.warning("collector down for %s: %s", key, down)
            return await self._down(key, activities, down)
        more = {"Content-Type": reply.content_type}
        if reply.retry_after is not None:
            more["Retry-After"] = reply.retry_after
        return reply.status, reply.body, more

    async def _down(
        self, key: str, activities: list[Activity], down: UpstreamDown
    ) -> tuple[int, bytes, dict[str, str]]:
        if self.spool is not None:
            try:
                await self.spool.record(key, [activity.wire() for activity in activities])
            except Exception:
                log.exception("spooling failed; answering 503 so the browser keeps the batch")
            else:
                return 202, _json(spooled_body(len(activities))), {}
        status = 429 if down.status == 429 else 503 if down.status == 0 else 502
        refusal = Refusal(status, "upstream_unavailable", f"Retry later: {down}")
        retry_after = down.retry_after or str(self.config.retry_after_s)
        return status, _json(refusal.body()), {"Retry-After": retry_after}


def _headers(scope: Scope) -> dict[str, str]:
    """The request headers by lower-case name; repeated headers joined with ", "."""
    found: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        found[name] = f"{found[name]}, {value}" if name in found else value
    return found


def _full_path(scope: Scope) -> str:
    """The request's path including the mount prefix, whichever convention the host uses."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    return path if not root or path.startswith(root) else root + path


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


async def _respond(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    sent = {"Content-Type": "application/json", "Cache-Control": "no-store", **headers}
    if status == 204:
        sent.pop("Content-Type")
        body = b""
    raw = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in sent.items()
    ]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


__all__ = ["RelayApp"]
