"""The relay as a host app sees it: mounted under Starlette, run with its own lifespan."""

import asyncio
import contextlib

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from tests.server.relay.helpers import BODY, KEY, Collector, headers, make_app


def test_mounted_under_starlette_the_relay_answers_at_the_mount_path():
    """Mount("/xo-relay", relay) serves POST /xo-relay/KEY, the client opened on first use."""
    collector = Collector()
    relay = make_app(collector)
    host = Starlette(routes=[Mount("/xo-relay", app=relay)])

    async def run() -> int:
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as http:
            answer = await http.post(f"/xo-relay/{KEY}", content=BODY, headers=headers())
        await relay.aclose()
        return answer.status_code

    assert asyncio.run(run()) == 200
    assert len(collector.seen) == 1


def test_a_host_lifespan_opens_and_closes_the_one_client():
    """running() opens the upstream client in the host's lifespan and closes it after."""
    relay = make_app(Collector())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        async with relay.running():
            yield

    host = Starlette(routes=[Mount("/xo-relay", app=relay)], lifespan=lifespan)

    async def run() -> tuple[bool, bool]:
        async with host.router.lifespan_context(host):
            opened = relay.upstream._client is not None
        return opened, relay.upstream._client is None

    assert asyncio.run(run()) == (True, True)


def test_the_asgi_lifespan_opens_and_closes_the_client():
    """Run standalone, the relay handles lifespan.startup and lifespan.shutdown itself."""
    relay = make_app(Collector())
    sent: list[str] = []
    opened: list[bool] = []

    async def run() -> None:
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

        async def receive():
            return next(messages)

        async def send(message):
            sent.append(message["type"])
            opened.append(relay.upstream._client is not None)

        await relay({"type": "lifespan"}, receive, send)

    asyncio.run(run())
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert opened == [True, False]


def test_a_relay_path_elsewhere_does_not_answer():
    """Nothing outside {path}/{key} is relayed."""
    relay = make_app(Collector(), path="/r")

    async def run() -> int:
        transport = httpx.ASGITransport(app=relay)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as http:
            answer = await http.post(f"/xo-relay/{KEY}", content=BODY, headers=headers())
        return answer.status_code

    assert asyncio.run(run()) == 404


def test_a_host_that_strips_the_mount_prefix_is_served_too():
    """Where a host passes the path without its root_path, the relay puts the prefix back."""
    collector = Collector()
    relay = make_app(collector)

    async def run() -> int:
        transport = httpx.ASGITransport(app=relay, root_path="/xo-relay")
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as http:
            answer = await http.post(f"/{KEY}", content=BODY, headers=headers())
        return answer.status_code

    assert asyncio.run(run()) == 200
    assert len(collector.seen) == 1


def test_every_request_goes_through_the_one_client():
    """The upstream client is made once per process and reused by every request."""
    relay = make_app(Collector())
    clients = []

    async def run() -> None:
        transport = httpx.ASGITransport(app=relay)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as http:
            for _ in range(3):
                await http.post(f"/xo-relay/{KEY}", content=BODY, headers=headers())
                clients.append(relay.upstream._client)
        await relay.aclose()

    asyncio.run(run())
    assert clients[0] is not None
    assert clients[0] is clients[1] is clients[2]
