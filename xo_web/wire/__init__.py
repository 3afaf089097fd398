"""The wire format: what an activity and a user may contain, and their JSON as sent.

`encoding` writes JSON byte-identical to the JS SDK's; `rules` holds the limits and checks;
`models` the pydantic shapes; `parsing` the entry points that validate untrusted input.

In the browser, pydantic's plugin discovery is switched off before the first model is built:
it scans every installed distribution with importlib.metadata, which costs about a second of
main-thread time in Pyodide and finds nothing there (``PYDANTIC_DISABLE_PLUGINS``; a page that
sets it itself keeps its value).
"""

import os
import sys

if sys.platform == "emscripten":  # pragma: no cover (CPython keeps its plugins)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from xo_web.wire.encoding import (
    dumps,
    js_number,
    json_array_size,
    loads_strict,
    serialized_size,
    utf8_len,
)
from xo_web.wire.models import Activity, Metadata, User
from xo_web.wire.parsing import (
    check_activity_size,
    check_user_size,
    join_field,
    parse_activities,
    parse_activity,
    parse_identities,
    parse_segments,
    parse_text,
    parse_traits,
    parse_user,
    to_wire,
)
from xo_web.wire.rules import (
    MAX_ACTIVITY_BYTES,
    MAX_BATCH_SIZE,
    SESSION_IDENTITY,
    Scalar,
    is_session_id,
)

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
    "serialized_size",
    "to_wire",
    "utf8_len",
]
