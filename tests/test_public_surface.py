"""The public surface reads like a reference: help() shows the user's API, documented, no more."""

from __future__ import annotations

import inspect
import pydoc
import re

import pytest

import xo_web
import xo_web.testing
import xo_web.types
from xo_web.tracker import Tracker

INTERNAL = (
    "flush_on_unload",
    "flush_soon",
    "healthy_until",
    "tab_id",
    "prepare",
    "environment",
    "set_page_consent",
    "on_consent",
)
USER_API = ("init", "send", "add_user_identity", "set_user", "clear_user", "opt_out", "on_error")


def help_text(thing: object) -> str:
    """What `help(thing)` prints."""
    return pydoc.plain(pydoc.render_doc(thing))


def test_help_of_the_tracker_shows_no_internal_member() -> None:
    """help(xo_web.Tracker) lists the user's methods and none of the adapters' hooks."""
    members = set(re.findall(r"^ \|  (?:async )?(\w+)(?:\(|$)", help_text(Tracker), re.M))
    assert set(USER_API) <= members
    assert members & set(INTERNAL) == set()


def test_help_of_the_tracker_shows_no_memory_address() -> None:
    """The constructor's defaults read as values, not `<function … at 0x…>`."""
    assert " at 0x" not in help_text(Tracker)


def public_members(cls: type) -> list[tuple[str, object]]:
    """The members of `cls` that help() shows: its own public methods and properties."""
    return [
        (name, member)
        for name, member in vars(cls).items()
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property))
    ]


@pytest.mark.parametrize("module", [xo_web, xo_web.testing, xo_web.types], ids=lambda m: m.__name__)
def test_every_public_name_and_member_has_a_docstring(module: object) -> None:
    """Each public class and function, and each public method or property, says what it does."""
    missing = []
    for name in getattr(module, "__all__", []):
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            if not (value.__doc__ or "").strip():
                missing.append(name)
            if inspect.isclass(value):
                missing += [
                    f"{name}.{member_name}"
                    for member_name, member in public_members(value)
                    if not (getattr(member, "__doc__", None) or "").strip()
                ]
    assert missing == []


def test_send_describes_an_activity() -> None:
    """send's docstring says what an activity looks like."""
    doc = inspect.getdoc(Tracker.send) or ""
    assert all(word in doc for word in ('"action"', '"target"', "metadata"))


def test_the_fakes_live_in_xo_web_testing_only() -> None:
    """MockTransport and MemoryStorage are not names of the package itself."""
    assert {"MockTransport", "MemoryStorage"} & set(xo_web.__all__) == set()
    assert {"MockTransport", "MemoryStorage"} <= set(xo_web.testing.__all__)


def test_the_package_doc_says_what_the_default_tracker_does_under_cpython() -> None:
    """help(xo_web) does not claim that the CPython default raises on send (it resolves)."""
    assert "raises" not in (xo_web.__doc__ or "").split("CPython")[1].split(".")[0]
