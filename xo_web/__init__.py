"""xo_web: the Attraqt XO activity SDK for Python running in the browser.

``activity`` is the default Tracker. In Pyodide it is wired to the browser (localStorage,
fetch, Do-Not-Track) and its ``init`` also installs ``window.xo.activity`` for page JavaScript;
under CPython it is unconfigured and raises on ``send``: build a ``Tracker`` with the ports
you need instead (see ``xo_web.ports``).
"""

from __future__ import annotations

import sys

from xo_web.delivery import SendOutcome
from xo_web.errors import (
    ConfigError,
    DeliveryError,
    NotInitializedError,
    PersonalDataError,
    TransportError,
    ValidationError,
    XoError,
)
from xo_web.ports import HttpRequest, HttpResponse, MemoryStorage, MockTransport
from xo_web.tracker import Tracker

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DeliveryError",
    "HttpRequest",
    "HttpResponse",
    "MemoryStorage",
    "MockTransport",
    "NotInitializedError",
    "PersonalDataError",
    "SendOutcome",
    "Tracker",
    "TransportError",
    "ValidationError",
    "XoError",
    "__version__",
    "activity",
]


class _NoTransport:
    """The default instance's transport outside a browser: explains what to do instead."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        raise TransportError(
            "xo_web.activity has no transport outside the browser; "
            "create Tracker(storage, transport) with the ports you need"
        )


def _default_tracker() -> Tracker:
    if sys.platform == "emscripten":
        from xo_web.browser import create_tracker

        return create_tracker()
    return Tracker(MemoryStorage(), _NoTransport())


activity: Tracker = _default_tracker()
