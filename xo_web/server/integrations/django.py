"""Django: an app config that makes the Tracker in ``ready()`` and closes it at exit.

    # settings.py
    INSTALLED_APPS = [..., "xo_web.server.integrations.django.XOConfig"]
    XO_WEB = {"tracker_key": "KEY", "outbox": "sqlite:///var/lib/shop/xo.db"}

    # views.py
    from xo_web.server import user_from
    from xo_web.server.integrations.django import tracker

    def paid(request, order_id):
        tracker().send(purchase, user=user_from(request))
        # in a transaction: tracker().send(..., connection=django.db.connection.connection)

``XO_WEB`` holds `Tracker`'s arguments. ``ready()`` runs once per process (after a fork too,
for servers that load the app in each worker; a tracker made before a fork restarts its sender
in the child by itself). At interpreter exit the tracker flushes, then closes, within
``close_timeout`` (``XO_WEB["close_timeout"]``, 10 s by default); what is undelivered stays in
the outbox.
"""

import atexit
from typing import Any

from django.apps import AppConfig

from xo_web.server.tracker import Tracker

__all__ = ["XOConfig", "tracker"]

_tracker: Tracker | None = None


class XOConfig(AppConfig):  # type: ignore[misc]  # Django ships no types
    """The app config: ``INSTALLED_APPS += ["xo_web.server.integrations.django.XOConfig"]``."""

    name = "xo_web.server.integrations.django"
    label = "xo_web"
    verbose_name = "Attraqt XO activities (xo_web.server)"

    def ready(self) -> None:
        """Make the process's Tracker from ``settings.XO_WEB``; close it at exit."""
        global _tracker
        from django.conf import settings

        options: dict[str, Any] = dict(getattr(settings, "XO_WEB", {}))
        close_timeout = float(options.pop("close_timeout", 10.0))
        key = options.pop("tracker_key")
        made = Tracker(key, **options)
        _tracker = made
        atexit.register(_close, made, close_timeout)


def _close(made: Tracker, timeout: float) -> None:
    """At exit: deliver what is pending for half the time, then stop within the rest."""
    made.flush(timeout / 2)
    made.close(timeout / 2)


def tracker() -> Tracker:
    """Return the Tracker ``XOConfig.ready`` made."""
    if _tracker is None:
        raise RuntimeError("xo_web's XOConfig is not in INSTALLED_APPS (or apps are not ready)")
    return _tracker
