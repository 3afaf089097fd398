"""The one HTTP client to the collector: its making, the headers it sends, what failure means.

This module owns `Upstream`: one `AsyncClient` per process, opened in the ASGI lifespan (so
after any fork) or on the first request where the host runs no lifespan (a Starlette `Mount`,
Django), with explicit timeouts, HTTP/1.1 only and a bounded pool. It builds the upstream
headers from an allow-list (`Content-Type`, `X-SDK`, `User-Agent`; so `Cookie`,
`Authorization` and hop-by-hop headers never pass), adds `Via: 1.1 xo-web-relay` and, only
when switched on, `X-Forwarded-For`. A timeout, a refused connection or a 5xx is an
`UpstreamDown`: the app turns it into 502/503 with `Retry-After`, or spools the batch.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import httpx2 as httpx
else:
    try:  # the maintained fork (the server half's choice) first, as Starlette does
        import httpx2 as httpx
    except ImportError:  # pragma: no cover - whichever is installed
        import httpx

from xo_web.server.relay.config import RelayConfig
from xo_web.server.relay.rules import Headers

FORWARDED_HEADERS = ("content-type", "x-sdk", "user-agent")
VIA = "1.1 xo-web-relay"
MAX_REPLY_BYTES = 1024 * 1024
Transport: TypeAlias = httpx.AsyncBaseTransport


@dataclass(frozen=True)
class Reply:
    """The collector's answer: status, body, content type and any `Retry-After`."""

    status: int
    body: bytes
    content_type: str
    retry_after: str | None


class UpstreamDown(Exception):
    """The collector did not take the batch: timeout, refused connection, a 5xx or 429, or a
    redirect (never followed: the upstream is pinned)."""

    def __init__(self, reason: str, *, status: int = 0, retry_after: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after


def upstream_headers(
    config: RelayConfig, headers: Headers, client_ip: str | None
) -> dict[str, str]:
    """The headers sent upstream: the allow-listed ones, Via, and the client IP if enabled."""
    sent = {name: headers[name] for name in FORWARDED_HEADERS if name in headers}
    sent["accept"] = "application/json"
    sent["via"] = VIA
    if config.forward_client_ip and client_ip is not None:
        sent["x-forwarded-for"] = client_ip
    return sent


class Upstream:
    """The relay's one client to the collector, opened once per process and event loop."""

    def __init__(self, config: RelayConfig, *, transport: Transport | None = None) -> None:
        self._config = config
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._lock = asyncio.Lock()

    def _make_client(self) -> httpx.AsyncClient:
        timeouts = self._config.timeouts
        return httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=timeouts.connect,
                read=timeouts.read,
                write=timeouts.write,
                pool=timeouts.pool,
            ),
            limits=httpx.Limits(
                max_connections=self._config.max_connections,
                max_keepalive_connections=self._config.max_keepalive,
            ),
            http1=True,
            http2=False,
            follow_redirects=False,
            trust_env=False,
            transport=self._transport,
        )

    async def open(self) -> None:
        """Open the client (the lifespan's startup); a second call keeps the first client."""
        async with self._lock:
            if self._client is None:
                self._client = self._make_client()

    async def close(self) -> None:
        """Close the client and its connections (the lifespan's shutdown)."""
        async with self._lock:
            client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Reply:
        """POST the batch; return the collector's answer, or raise UpstreamDown."""
        if self._client is None:
            await self.open()
        assert self._client is not None
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise UpstreamDown(f"the collector timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise UpstreamDown(f"the collector is unreachable ({type(exc).__name__})") from None
        retry_after = response.headers.get("retry-after")
        status = response.status_code
        if status == 429 or not (200 <= status < 300 or 400 <= status < 500):  # 5xx, 3xx
            raise UpstreamDown(
                f"the collector answered {response.status_code}",
                status=response.status_code,
                retry_after=retry_after,
            )
        content = response.content[:MAX_REPLY_BYTES]
        content_type = response.headers.get("content-type", "application/json")
        return Reply(response.status_code, content, content_type, retry_after)


__all__ = [
    "FORWARDED_HEADERS",
    "VIA",
    "Reply",
    "Transport",
    "Upstream",
    "UpstreamDown",
    "httpx",
    "upstream_headers",
]
