"""Flask: the ``XO`` extension; a paid order confirmed from the backend.

XO_COLLECT_URL=http://127.0.0.1:9000 flask --app examples.server.flask_app run
"""

from typing import Any

from flask import Flask, request

from examples.server.shop import collect_url, outbox, purchase, settings, tracker_key
from xo_web.server import session_id_from, user_from
from xo_web.server.integrations.flask import XO

xo = XO()


def create_app() -> Flask:
    """The shop's app factory: configuration, then ``xo.init_app``."""
    app = Flask(__name__)
    app.config.update(
        XO_TRACKER_KEY=tracker_key(),
        XO_COLLECT_URL=collect_url(),
        XO_OUTBOX=outbox(),
        XO_SETTINGS=settings(),
    )
    xo.init_app(app)

    @app.get("/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/orders/<order_id>/paid")
    def paid(order_id: str) -> dict[str, Any]:
        xo.send(purchase(order_id), user=user_from(request))  # durable on return
        return {"ok": True, "sessionId": session_id_from(request)}

    return app
