"""The fast path of activity validation: the common shapes, checked without pydantic.

`fast_activity` accepts only values it fully understands and that the pydantic models
(xo_web.wire.models) accept, and returns exactly what `to_wire(parse_activity(obj))` would: a
fresh copy in the caller's key order. For anything else — an invalid value included, a `None`
in a known field, a nested unknown key, a caller's own `user`, a dict or str subclass — it
returns None and the caller runs the full validation, so every error still comes from
xo_web.wire.parsing with the same message. It also says whether every float in the copy is
written by ``repr`` as JavaScript writes it, so the C JSON encoder may encode it
(xo_web.wire.encoding.compact).
"""

import math
import re

from xo_web.wire.encoding import plain_float
from xo_web.wire.rules import (
    MAX_KEY_LENGTH,
    MAX_LIST_ITEMS,
    MAX_METADATA_KEYS,
    MAX_SEGMENTS,
    MAX_STRING_LENGTH,
    MAX_TARGET_KEYS,
    check_timestamp,
)

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CURRENCY = re.compile(r"[A-Z]{3}")
_TEXT_FIELDS = frozenset({"action", "sourceId"})
_METADATA_TEXT = frozenset({"orderId", "market"})
_METADATA_NUMBERS = frozenset({"price", "quantity"})


class _Unsure(Exception):
    """Raised inside the fast path for anything it does not accept: the full path decides."""


def fast_activity(obj: object) -> tuple[dict[str, object], bool] | None:
    """Return the wire copy of a valid activity of a common shape and whether its floats are
    plain (see module doc), or None when the full validation must decide."""
    if type(obj) is not dict:
        return None
    try:
        return _activity(obj)
    except _Unsure:
        return None


def _activity(obj: dict[object, object]) -> tuple[dict[str, object], bool]:
    wire: dict[str, object] = {}
    plain = True
    for key, value in obj.items():
        if key in _TEXT_FIELDS:
            if type(value) is not str or not value.isascii() or len(value) > MAX_STRING_LENGTH:
                _text(value)  # the general check: raises, or passes non-ASCII text
            elif not value.strip():
                raise _Unsure
        elif key == "target":
            value = _target(value)
        elif key == "metadata":
            value, plain_metadata = _metadata(value)
            plain = plain and plain_metadata
        elif key == "segments":
            value = _segments(value)
        elif key == "opposite":
            if type(value) is not bool:
                raise _Unsure
        elif key == "timestamp":
            _timestamp(value)
        elif key == "user" or type(key) is not str or key.startswith("_"):
            raise _Unsure
        else:
            _key(key)
            if value is not None:
                plain = _scalar(value, empty_ok=True) and plain
        wire[key] = value
    if "action" not in wire or "target" not in wire:
        raise _Unsure
    return wire, plain


def _text(value: object, limit: int = MAX_STRING_LENGTH, *, empty_ok: bool = False) -> None:
    if type(value) is not str or len(value) > limit:
        raise _Unsure
    if not (empty_ok or value.strip()):
        raise _Unsure
    if not value.isascii() and _SURROGATE.search(value):
        raise _Unsure


def _timestamp(value: object) -> None:
    _text(value)
    try:
        check_timestamp(value)
    except ValueError:  # RuleViolation
        raise _Unsure from None


def _key(key: object) -> None:
    _text(key, MAX_KEY_LENGTH)


def _scalar(value: object, *, empty_ok: bool) -> bool:
    """Accept a string, a finite number or a boolean; return False for a float that is not
    plain."""
    kind = type(value)
    if kind is str:
        _text(value, empty_ok=empty_ok)
        return True
    if kind is int or kind is bool:
        return True
    if kind is float:
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise _Unsure
        return plain_float(value)  # type: ignore[arg-type]
    raise _Unsure


def _target(value: object) -> dict[str, str]:
    if type(value) is not dict or len(value) > MAX_TARGET_KEYS:
        raise _Unsure
    for key, item in value.items():  # `_key(key)` and `_text(item)`, inlined: the hot loop
        if (
            type(key) is not str
            or type(item) is not str
            or len(key) > MAX_KEY_LENGTH
            or len(item) > MAX_STRING_LENGTH
            or not key.strip()
            or not item.strip()
        ):
            raise _Unsure
        if not (key.isascii() and item.isascii()) and _SURROGATE.search(key + item):
            raise _Unsure
    return dict(value)


def _segments(value: object) -> list[str]:
    if type(value) is not list or len(value) > MAX_SEGMENTS:
        raise _Unsure
    for item in value:
        _text(item)
    return list(value)


def _metadata(value: object) -> tuple[dict[str, object], bool]:
    if type(value) is not dict or len(value) > MAX_METADATA_KEYS:
        raise _Unsure
    copy: dict[str, object] = {}
    plain = True
    for key, item in value.items():
        _key(key)
        if key in _METADATA_NUMBERS:
            if type(item) is bool or item is None:
                raise _Unsure
            plain = _scalar(item, empty_ok=False) and plain
            if type(item) is str:
                raise _Unsure
        elif key == "currency":
            _text(item)
            if not _CURRENCY.fullmatch(str(item)):
                raise _Unsure
        elif key in _METADATA_TEXT:
            _text(item)
        elif type(item) is list:
            if len(item) > MAX_LIST_ITEMS:
                raise _Unsure
            for element in item:
                plain = _scalar(element, empty_ok=True) and plain
            item = list(item)
        else:
            plain = _scalar(item, empty_ok=True) and plain
        copy[key] = item
    return copy, plain
