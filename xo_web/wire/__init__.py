"""The wire format: what an activity and a user may contain, and their JSON as sent.

`encoding` writes JSON byte-identical to the JS SDK's; `rules` holds the limits and checks;
`models` the pydantic shapes; `parsing` the entry points that validate untrusted input.

Importing this package imports neither pydantic nor the validators: `encoding` and `rules` are
plain Python, the models are imported on first use of their names, and each `parsing` function
named here is a thin stand-in that imports `parsing` (building its validators) on its first
call, so booting the SDK does not pay for validation it has not needed yet. The models build
their validators on first use too (`defer_build`); `xo_web.wire.warmup` builds them in idle
time after boot. Identical validation and errors either way.

In the browser, pydantic's plugin discovery is switched off before the first model is built:
it scans every installed distribution with importlib.metadata, which cost about 10 ms of
main-thread time in Chromium (measured; not the second once noted) and finds nothing there
(``PYDANTIC_DISABLE_PLUGINS``; a page that sets it itself keeps its value).
"""

import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if sys.platform == "emscripten":  # pragma: no cover (CPython keeps its plugins)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from xo_web.wire.encoding import (
    compact,
    dumps,
    js_number,
    json_array_size,
    loads_strict,
    plain_float,
    serialized_size,
    utf8_len,
)
from xo_web.wire.rules import (
    MAX_ACTIVITY_BYTES,
    MAX_BATCH_SIZE,
    SESSION_IDENTITY,
    Scalar,
    is_session_id,
    join_field,
)

MODEL_NAMES = ("Activity", "Metadata", "User")
PARSING_NAMES = (
    "check_activity_size",
    "check_user_size",
    "parse_activities",
    "parse_activity",
    "parse_identities",
    "parse_segments",
    "parse_text",
    "parse_traits",
    "parse_user",
    "to_wire",
)

if TYPE_CHECKING:
    from xo_web.wire.models import Activity, Metadata, User
    from xo_web.wire.parsing import (
        check_activity_size,
        check_user_size,
        parse_activities,
        parse_activity,
        parse_identities,
        parse_segments,
        parse_text,
        parse_traits,
        parse_user,
        to_wire,
    )


def _deferred(name: str) -> Callable[..., Any]:
    """Return a stand-in for ``parsing.<name>`` that imports ``parsing`` on its first call."""
    target: Callable[..., Any] | None = None

    def call(*args: Any, **kwargs: Any) -> Any:
        nonlocal target
        if target is None:
            target = getattr(importlib.import_module("xo_web.wire.parsing"), name)
        return target(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"xo_web.wire.parsing.{name}, imported on first call."
    return call


def __getattr__(name: str) -> object:
    """Resolve the models and the parsing entry points on first use (PEP 562)."""
    if name in MODEL_NAMES:
        value: object = getattr(importlib.import_module("xo_web.wire.models"), name)
    elif name in PARSING_NAMES:
        parsing = sys.modules.get("xo_web.wire.parsing")
        if parsing is None:
            return _deferred(name)  # not cached: once parsing is in, the real function is
        value = getattr(parsing, name)
    else:
        raise AttributeError(f"module 'xo_web.wire' has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "MAX_ACTIVITY_BYTES",
    "MAX_BATCH_SIZE",
    "SESSION_IDENTITY",
    "Activity",
    "Metadata",
    "Scalar",
    "User",
    "check_activity_size",
    "check_user_size",
    "compact",
    "dumps",
    "is_session_id",
    "join_field",
    "js_number",
    "json_array_size",
    "loads_strict",
    "parse_activities",
    "parse_activity",
    "parse_identities",
    "parse_segments",
    "parse_text",
    "parse_traits",
    "parse_user",
    "plain_float",
    "serialized_size",
    "to_wire",
    "utf8_len",
]
