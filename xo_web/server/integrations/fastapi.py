"""FastAPI / Starlette: a lifespan that makes the Tracker at startup and closes it at shutdown.

    from fastapi import FastAPI, Request
    from xo_web.server import user_from
    from xo_web.server.integrations.fastapi import lifespan, tracker_of

    app = FastAPI(lifespan=lifespan("KEY", outbox="sqlite:///var/lib/shop/xo.db"))

    @app.post("/orders/{order_id}/paid")
    async def paid(order_id: str, request: Request) -> dict[str, str]:
        await tracker_of(request).asend(purchase, user=user_from(request))

The tracker lives on ``app.state.xo``; ``asend`` commits in a worker thread and delivers from a
task on the server's event loop. At shutdown the lifespan flushes for half of
``close_timeout`` and closes within the rest; what is undelivered stays in the outbox for the
next start. Starlette's own ``lifespan=`` takes the same function.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from xo_web.server.tracker import Tracker

__all__ = ["STATE_NAME", "lifespan", "tracker_of"]

STATE_NAME = "xo"
"""The attribute of ``app.state`` that holds the Tracker."""


def lifespan(
    tracker_key: str, *, close_timeout: float = 10.0, **options: Any
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """Return a lifespan for ``FastAPI(lifespan=…)``: ``options`` are `Tracker`'s."""

    @asynccontextmanager
    async def run(app: Any) -> AsyncIterator[None]:
        tracker = Tracker(tracker_key, **options)  # a bad option fails the startup, loudly
        setattr(app.state, STATE_NAME, tracker)
        try:
            yield
        finally:
            await tracker.aflush(close_timeout / 2)
            await tracker.aclose(close_timeout / 2)

    return run


def tracker_of(request: Any) -> Tracker:
    """Return the app's Tracker from a request (also usable as a FastAPI dependency)."""
    tracker = getattr(request.app.state, STATE_NAME, None)
    if not isinstance(tracker, Tracker):
        raise RuntimeError("no xo_web Tracker on app.state: pass lifespan=lifespan(...) to the app")
    return tracker
