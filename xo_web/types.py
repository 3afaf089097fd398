"""Typed shapes of an activity, for editors and type checkers: `Activity`, `Metadata`, `User`.

`Tracker.send` takes an `Activity` (or a list of them), so an editor completes
`{"action": …, "target": …}` and a type checker flags a misspelt key. These describe the fields
that `xo_web.wire.models` checks at run time (a test holds the two in step); the run-time
check is the rule: `metadata` also takes keys of your own, and an activity may carry other
top-level keys, which these types do not list.
"""

from collections.abc import Mapping, Sequence
from typing import Required, TypedDict

__all__ = ["Activity", "Metadata", "Scalar", "User"]

Scalar = str | int | float | bool
"""A trait or metadata value: a string, a finite number or a boolean."""


class Metadata(TypedDict, total=False):
    """Commerce details of an activity (all optional)."""

    price: int | float
    """The unit price, in integer cents by the XO docs (1999 = 19.99)."""
    quantity: int | float
    """How many items."""
    currency: str
    """An ISO 4217 code in upper case: "EUR"."""
    orderId: str
    """The order a purchase belongs to."""
    market: str
    """The market (a country, a shop) it happened in."""


class User(TypedDict, total=False):
    """The user object; the tracker attaches its own, so an activity rarely carries one."""

    identities: Required[Mapping[str, str]]
    """Repository name → id; "sessionid" is added when missing."""
    segments: Sequence[str]
    traits: Mapping[str, Scalar]


class Activity(TypedDict, total=False):
    """One activity: `action` and `target` are required, the rest optional."""

    action: Required[str]
    """What happened: "view", "click", "add-to-cart", "remove-from-cart", "purchase", …"""
    target: Required[Mapping[str, str]]
    """What it happened to, e.g. {"product": "SKU-1"} or {"pathToPage": "/"}; may be empty."""
    sourceId: str
    opposite: bool
    segments: Sequence[str]
    timestamp: str
    """ISO 8601, e.g. "2026-05-01T12:00:00Z"."""
    metadata: Metadata
    user: User
