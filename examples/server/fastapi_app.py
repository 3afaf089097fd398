"""FastAPI: the tracker made in the lifespan; a paid order confirmed from the backend.

XO_COLLECT_URL=http://127.0.0.1:9000 uvicorn examples.server.fastapi_app:app
"""

from typing import Any

from fastapi import FastAPI, Request

from examples.server.shop import collect_url, outbox, purchase, tracker_key
from xo_web.server import session_id_from, user_from
from xo_web.server.integrations.fastapi import lifespan, tracker_of


def create_app() -> FastAPI:
    """The shop's app; the Tracker exists from startup to shutdown (``app.state.xo``)."""
    app = FastAPI(lifespan=lifespan(tracker_key(), collect_url=collect_url(), outbox=outbox()))

    @app.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/orders/{order_id}/paid")
    async def paid(order_id: str, request: Request) -> dict[str, Any]:
        # Durable on return: the purchase is in the outbox even if the process dies now.
        await tracker_of(request).asend(purchase(order_id), user=user_from(request))
        return {"ok": True, "sessionId": session_id_from(request)}

    return app


app = create_app()
