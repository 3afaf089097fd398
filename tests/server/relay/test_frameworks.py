"""The docs' recipes, run: the relay mounted in FastAPI, and beside Django under ASGI."""

import asyncio
import contextlib
from typing import Any

import django
import httpx
from django.conf import settings
from fastapi import FastAPI

from tests.server.relay.helpers import BODY, KEY, Collector, headers, make_app


async def post(app: Any, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        return await http.post(path, content=BODY, headers=headers())


def test_fastapi_mount_with_the_lifespan_recipe():
    """app.mount("/xo-relay", relay) with relay.running() in FastAPI's lifespan relays."""
    collector = Collector()
    relay = make_app(collector)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        async with relay.running():
            yield

    app = FastAPI(lifespan=lifespan)
    app.mount("/xo-relay", relay)

    async def run() -> int:
        async with app.router.lifespan_context(app):
            return (await post(app, f"/xo-relay/{KEY}")).status_code

    assert asyncio.run(run()) == 200
    assert len(collector.seen) == 1


def test_beside_django_under_asgi_the_relay_takes_its_path():
    """The asgi.py recipe: the relay's path goes to the relay, every other path to Django."""
    if not settings.configured:
        settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["127.0.0.1"], SECRET_KEY="t")
        django.setup()
    from django.core.asgi import get_asgi_application

    django_app = get_asgi_application()
    django_paths: list[str] = []
    collector = Collector()
    relay = make_app(collector)

    async def application(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/xo-relay/"):
            await relay(scope, receive, send)
        else:
            django_paths.append(scope["path"])
            await django_app(scope, receive, send)

    async def run() -> tuple[int, int]:
        relayed = await post(application, f"/xo-relay/{KEY}")
        other = await post(application, "/checkout")
        return relayed.status_code, other.status_code

    relayed, _ = asyncio.run(run())
    assert relayed == 200
    assert len(collector.seen) == 1
    assert django_paths == ["/checkout"]


urlpatterns: list[Any] = []  # the ROOT_URLCONF of the Django test: no view of its own
