"""xo_web: the Attraqt XO activity SDK for Python running in the browser.

``activity`` is the default Tracker, made on first use. In Pyodide it is wired to the browser
(localStorage, fetch, Do-Not-Track, page hide) and its ``init`` also installs
``window.xo.activity`` for page JavaScript; first use there also patches ``urllib``/``requests``
for the page's own scripts (pyodide-http) and schedules building the wire validators in idle
time (``xo_web.wire.warmup``). Under CPython it is unconfigured and raises on
``send``: build a ``Tracker`` with the ports you need instead (see ``xo_web.testing``).
Importing xo_web constructs nothing.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.core.storage import MemoryStorage
from xo_web.core.tracker import Tracker
from xo_web.delivery.outcome import SendOutcome
from xo_web.errors import (
    ConfigError,
    ConsentError,
    DeliveryError,
    NotInitializedError,
    PersonalDataError,
    TransportError,
    ValidationError,
    XoError,
)
from xo_web.testing import MockTransport

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ConsentError",
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

if TYPE_CHECKING:
    activity: Tracker

if sys.platform == "emscripten":  # page scripts' urllib/requests work once xo_web is imported
    from xo_web.adapters.browser import patch_http

    patch_http()

_default: Tracker | None = None


class _NoTransport:
    """The default instance's transport outside a browser: explains what to do instead."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        raise TransportError(
            "xo_web.activity has no transport outside the browser; "
            "create Tracker(storage, transport) with the ports you need"
        )


def _default_tracker() -> Tracker:
    """Return the default Tracker, making it on first use."""
    global _default
    if _default is None:
        if sys.platform == "emscripten":
            from xo_web.adapters.browser import create_tracker
            from xo_web.wire.warmup import warm_in_background

            _default = create_tracker()
            warm_in_background()  # the validators, in idle time after boot
        else:
            _default = Tracker(MemoryStorage(), _NoTransport())
    return _default


def __getattr__(name: str) -> object:
    if name == "activity":
        return _default_tracker()
    raise AttributeError(f"module 'xo_web' has no attribute {name!r}")
