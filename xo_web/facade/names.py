"""The one table that maps the JavaScript API (camelCase) onto the Python API (snake_case).

The browser facade installs ``window.xo.activity`` from it, and the bundle builder writes its
JavaScript names into ``xo.js`` so the pre-boot stub knows the same methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["call", "send", "getter"]


@dataclass(frozen=True)
class MethodName:
    """One ``xo.activity`` method: its JS name, the Tracker attribute and how it is called."""

    js: str
    py: str
    kind: Kind = "call"


ACTIVITY_METHODS: tuple[MethodName, ...] = (
    MethodName("init", "init"),
    MethodName("addUserIdentity", "add_user_identity"),
    MethodName("setUserIdentities", "set_user_identities"),
    MethodName("addUserSegment", "add_user_segment"),
    MethodName("setUserSegments", "set_user_segments"),
    MethodName("addUserTrait", "add_user_trait"),
    MethodName("setUserTraits", "set_user_traits"),
    MethodName("setUser", "set_user"),
    MethodName("clearUser", "clear_user"),
    MethodName("send", "send", "send"),
    MethodName("optOut", "opt_out"),
    MethodName("optIn", "opt_in"),
    MethodName("getUser", "user", "getter"),
    MethodName("getSessionId", "session_id", "getter"),
    MethodName("isOptedOut", "is_opted_out", "getter"),
    MethodName("getConsent", "consent", "getter"),
)

# Methods the pre-boot stub may queue: getters need a live SDK to answer.
QUEUEABLE_JS_NAMES: tuple[str, ...] = tuple(m.js for m in ACTIVITY_METHODS if m.kind != "getter")

# The loader page code includes (xo.js), as source parts of one concern each: `xo-web build`
# joins them, in this order, inside one function and fills in the names above. Statements run
# in this order too; the function declarations of every part are visible to all of them.
LOADER_SOURCES = Path(__file__).resolve().parent / "js"
LOADER_PARTS: tuple[str, ...] = (
    "prelude",
    "stub",
    "consent",
    "bridge",
    "hide",
    "worker",
    "loader",
)


def loader_template() -> str:
    """Return xo.js before `xo-web build` fills in its names: the header, then the parts."""
    body = "".join((LOADER_SOURCES / f"{part}.js").read_text() for part in LOADER_PARTS)
    return (LOADER_SOURCES / "header.js").read_text() + "(function () {\n" + body + "})();\n"
