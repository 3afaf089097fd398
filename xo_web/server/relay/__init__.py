"""The first-party relay: the shop's own domain takes the browser's batches to the collector.

`create_relay(...)` returns a raw ASGI app (`RelayApp`) to run on uvicorn (`xo-web relay`) or
mount under Starlette/FastAPI or beside Django; see docs/relay.md. Modules of one concern each:
`config` (settings, pinned upstreams), `rules` (the checks), `cors`, `ratelimit`, `upstream`
(the one HTTP client), `spool` (the durable fallback's protocol), `outbox` (the spool over the
server outbox), `app`, `cli`. The app and its HTTP client are imported on first use (PEP 562),
so `xo-web build` runs without the `server` extra.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from xo_web.server.relay.config import (
    BLOCKLISTED_WORDS,
    DEFAULT_PATH,
    RelayConfig,
    Timeouts,
    make_relay_config,
)
from xo_web.server.relay.spool import Spool

if TYPE_CHECKING:
    from xo_web.server.relay.app import RelayApp


def create_relay(
    tracker_keys: Iterable[str],
    allowed_origins: Iterable[str],
    *,
    spool: Spool | None = None,
    **settings: Any,
) -> RelayApp:
    """The relay app for these keys and origins; `settings` are `make_relay_config`'s."""
    from xo_web.server.relay.app import RelayApp

    return RelayApp(make_relay_config(tracker_keys, allowed_origins, **settings), spool=spool)


def __getattr__(name: str) -> object:
    """Resolve `RelayApp` on first use."""
    if name == "RelayApp":
        return importlib.import_module("xo_web.server.relay.app").RelayApp
    raise AttributeError(f"module 'xo_web.server.relay' has no attribute {name!r}")


__all__ = [
    "BLOCKLISTED_WORDS",
    "DEFAULT_PATH",
    "RelayApp",
    "RelayConfig",
    "Spool",
    "Timeouts",
    "create_relay",
    "make_relay_config",
]
