"""xo_web: the Attraqt XO activity SDK for Python running in the browser.

``activity`` is the default Tracker, made on first use. In Pyodide it is wired to the browser
(localStorage, fetch, Do-Not-Track, page hide) and its ``init`` also installs
``window.xo.activity`` for page JavaScript; pydantic's wheels load on the first call that
needs the full validator (``xo_web.adapters.validation``), or, where the page loaded pydantic
itself, its validators are built in idle time after boot (``xo_web.wire.warmup``). Under
CPython it has no transport: its sends resolve with ``ok=False, queued=True`` and are never
delivered; build a ``Tracker`` with the ports you need instead (the fakes of ``xo_web.testing``).

Importing xo_web constructs nothing and imports little: the exception tree, and in Pyodide
pyodide-http's patch, so page scripts' ``urllib``/``requests`` work once xo_web is imported
(``xo.js``, whose pages run no Python of their own, has it applied in idle time after boot
instead: see ``xo_web.adapters``).
The other public names (``Tracker`` and the rest) are imported on first use (PEP 562), so that
a loader can import the SDK's modules one at a time, each in its own task (``xo.js``).
"""

from __future__ import annotations

import importlib
import itertools
import os
import sys
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from xo_web.core.ports import HttpRequest, HttpResponse
    from xo_web.delivery.outcome import SendOutcome
    from xo_web.tracker import Tracker

    activity: Tracker

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ConsentError",
    "DeliveryError",
    "HttpRequest",
    "HttpResponse",
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

_LAZY = {
    "HttpRequest": "xo_web.core.ports",
    "HttpResponse": "xo_web.core.ports",
    "SendOutcome": "xo_web.delivery.outcome",
    "Tracker": "xo_web.tracker",
}

_PATCH_LATER = sys.platform == "emscripten" and os.environ.get("XO_WEB_HTTP_PATCH") == "idle"

if sys.platform == "emscripten" and not _PATCH_LATER:  # page scripts' urllib/requests work
    from xo_web.adapters import patch_http  # once xo_web is imported

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
            from xo_web.adapters import patch_http_steps
            from xo_web.adapters.browser import create_tracker
            from xo_web.wire.warmup import warm_in_background, warm_steps

            _default = create_tracker()
            later = patch_http_steps() if _PATCH_LATER else []
            # pydantic loads on first need (xo_web.adapters.validation); a page that loaded it
            # itself has its validators built in idle time after boot.
            validators = warm_steps() if _default._held.validation.ready() else iter(())
            # In idle time after boot; chained, not listed: each step's imports run in its task.
            warm_in_background(steps=itertools.chain(validators, later))
        else:
            from xo_web.core.storage import MemoryStorage
            from xo_web.tracker import Tracker

            _default = Tracker(MemoryStorage(), _NoTransport())
    return _default


def __getattr__(name: str) -> object:
    if name == "activity":
        return _default_tracker()
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'xo_web' has no attribute {name!r}")
