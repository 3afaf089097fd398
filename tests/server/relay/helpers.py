"""Helpers for the relay's tests: an app over a recording fake collector, and one request."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from xo_web.server.relay import RelayApp, make_relay_config
from xo_web.server.relay.upstream import httpx

ORIGIN = "https://shop.example"
KEY = "shop-key"
SESSION = "8f8f7a0e-4b1c-4c3e-9d7e-1a2b3c4d5e6f"
ACTIVITY = {
    "action": "view",
    "target": {"product": "p-1"},
    "user": {"identities": {"sessionid": SESSION}},
}
BODY = json.dumps([ACTIVITY]).encode()
PROFILES = {"profiles": {"sessionid": SESSION}}


@dataclass
class Collector:
    """A fake upstream: records every request, answers with `reply` (or raises it)."""

    reply: Callable[[httpx.Request], httpx.Response] = field(
        default=lambda request: httpx.Response(200, json=PROFILES)
    )
    seen: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.reply(request)


def make_app(collector: Collector, *, spool: Any = None, **settings: Any) -> RelayApp:
    """A relay for KEY and ORIGIN whose upstream is the fake collector."""
    config = make_relay_config([KEY], [ORIGIN], **settings)
    return RelayApp(config, spool=spool, transport=httpx.MockTransport(collector.handle))


def headers(**extra: str) -> dict[str, str]:
    """What the browser SDK sends from the shop's page, plus `extra` (underscores → dashes)."""
    sent = {"Origin": ORIGIN, "Content-Type": "application/json", "X-SDK": "1"}
    sent.update({name.replace("_", "-"): value for name, value in extra.items()})
    return sent


def call(
    app: Any,
    *,
    method: str = "POST",
    path: str = f"/xo-relay/{KEY}",
    body: bytes | Iterable[bytes] = BODY,
    sent: dict[str, str] | None = None,
    client: tuple[str, int] = ("203.0.113.7", 50000),
) -> httpx.Response:
    """Send one request to the ASGI app and return its answer."""

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://relay.test") as http:
            content: Any = body
            if not isinstance(body, bytes):
                chunks = list(body)

                async def stream() -> Any:
                    for chunk in chunks:
                        yield chunk

                content = stream()
            answer = await http.request(method, path, content=content, headers=sent or headers())
            await answer.aread()
            return answer

    return asyncio.run(run())
