"""Flask: the ``XO`` extension, one Tracker per app in ``app.extensions["xo"]``.

    from flask import Flask, request
    from xo_web.server import user_from
    from xo_web.server.integrations.flask import XO

    app = Flask(__name__)
    app.config.update(XO_TRACKER_KEY="KEY", XO_OUTBOX="sqlite:///var/lib/shop/xo.db")
    xo = XO(app)                     # or XO() then xo.init_app(app) in a factory

    @app.post("/orders/<order_id>/paid")
    def paid(order_id):
        xo.send(purchase, user=user_from(request))

Configuration keys: ``XO_TRACKER_KEY`` (required), ``XO_REGION``, ``XO_COLLECT_URL``,
``XO_OUTBOX``, ``XO_SETTINGS`` (a SenderSettings). Flask has no shutdown hook: the tracker is
closed at interpreter exit (xo_web.server flushes, then stops, within its exit timeout).
Under gunicorn with ``preload_app`` the tracker made in the master works in every worker.
"""

from typing import Any

from xo_web.server.tracker import Tracker

__all__ = ["EXTENSION", "XO"]

EXTENSION = "xo"
"""The key of ``app.extensions`` that holds the Tracker."""


class XO:
    """The Flask extension: makes the Tracker from ``app.config`` and finds it again."""

    def __init__(self, app: Any = None, **options: Any) -> None:
        self._options = options  # Tracker's keyword options, over the XO_* configuration
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> Tracker:
        """Make the app's Tracker from ``app.config`` and keep it in ``app.extensions``."""
        config = app.config
        options: dict[str, Any] = {
            "region": config.get("XO_REGION", "eu"),
            "collect_url": config.get("XO_COLLECT_URL"),
            "outbox": config.get("XO_OUTBOX"),
        }
        if config.get("XO_SETTINGS") is not None:
            options["settings"] = config["XO_SETTINGS"]
        options.update(self._options)
        tracker = Tracker(config["XO_TRACKER_KEY"], **options)
        app.extensions[EXTENSION] = tracker
        return tracker

    @property
    def tracker(self) -> Tracker:
        """The current app's Tracker (inside an app or request context)."""
        from flask import current_app

        tracker = current_app.extensions.get(EXTENSION)
        if not isinstance(tracker, Tracker):
            raise RuntimeError("XO.init_app(app) was not called for this app")
        return tracker

    def send(self, activities: object, user: object = None, connection: object = None) -> None:
        """`Tracker.send` on the current app's Tracker: durable on return."""
        self.tracker.send(activities, user=user, connection=connection)
