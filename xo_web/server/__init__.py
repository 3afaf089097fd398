"""Host-only (CPython): send activities from the shop's backend through a durable outbox.

`Tracker(tracker_key, region=…, collect_url=…, outbox=…)` validates like the browser, records
each activity in a SQLite file or a PostgreSQL database before `send` returns, and delivers it
in the background (at least once). Not part of the browser wheel. See docs/server.md.

The names resolve on first use (PEP 562), so `xo-web build` (which imports `server.cli`) does
not need the `server` extra's HTTP client.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xo_web.server.errors import OutboxError
    from xo_web.server.session import session_id_from, user_from
    from xo_web.server.settings import SenderSettings
    from xo_web.server.tracker import Tracker

_HOMES = {
    "OutboxError": "xo_web.server.errors",
    "SenderSettings": "xo_web.server.settings",
    "Tracker": "xo_web.server.tracker",
    "session_id_from": "xo_web.server.session",
    "user_from": "xo_web.server.session",
}


def __getattr__(name: str) -> object:
    """Import a public name's module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'xo_web.server' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = ["OutboxError", "SenderSettings", "Tracker", "session_id_from", "user_from"]
