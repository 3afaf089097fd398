"""The fast path of user validation: the common user shapes, checked without pydantic.

On the principle of `xo_web.wire.fast` (activities): each function accepts only values it fully
understands and that the pydantic path (xo_web.wire.parsing) accepts, and returns exactly what
that path returns — identities with lower-cased names, segments, traits of strings, finite
numbers and booleans, within the limits of xo_web.wire.rules — or None, and the full path
decides (so every error message is still the full path's). Exact ``dict``/``list``/``str``
types only: a subclass, a tuple, a non-ASCII name goes to the full path.
"""

import math
import re

from xo_web.wire.encoding import serialized_size
from xo_web.wire.rules import (
    MAX_IDENTITIES,
    MAX_KEY_LENGTH,
    MAX_SEGMENTS,
    MAX_STRING_LENGTH,
    MAX_TRAITS,
    MAX_USER_BYTES,
    SESSION_IDENTITY,
    is_session_id,
)

__all__ = ["fast_identities", "fast_segments", "fast_text", "fast_traits", "fast_user"]

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _text_ok(value: object, limit: int = MAX_STRING_LENGTH, *, empty_ok: bool = False) -> bool:
    if type(value) is not str or len(value) > limit:
        return False
    if not (empty_ok or value.strip()):
        return False
    return value.isascii() or _SURROGATE.search(value) is None


def fast_text(value: object) -> str | None:
    """A non-empty string (what `parse_text` returns), or None."""
    return value if _text_ok(value) else None  # type: ignore[return-value]


def fast_identities(value: object) -> dict[str, str] | None:
    """Identities with lower-cased repository names (what `parse_identities` returns), or
    None."""
    if type(value) is not dict or len(value) > MAX_IDENTITIES:
        return None
    result: dict[str, str] = {}
    for name, identity in value.items():
        if type(name) is not str or not name.isascii():
            return None
        lowered = name.lower()
        if lowered in result or not _text_ok(lowered, MAX_KEY_LENGTH) or not _text_ok(identity):
            return None
        if lowered == SESSION_IDENTITY and not is_session_id(identity):
            return None
        result[lowered] = identity
    return result


def fast_segments(value: object) -> list[str] | None:
    """A copy of a list of segments (what `parse_segments` returns), or None."""
    if type(value) is not list or len(value) > MAX_SEGMENTS:
        return None
    return list(value) if all(_text_ok(item) for item in value) else None


def _scalar_ok(value: object) -> bool:
    kind = type(value)
    if kind is str:
        return _text_ok(value, empty_ok=True)
    if kind is float:
        return math.isfinite(value)  # type: ignore[arg-type]
    return kind is int or kind is bool


def fast_traits(value: object) -> dict[str, str | int | float | bool] | None:
    """A copy of traits (what `parse_traits` returns), or None."""
    if type(value) is not dict or len(value) > MAX_TRAITS:
        return None
    for key, item in value.items():
        if not _text_ok(key, MAX_KEY_LENGTH) or not _scalar_ok(item):
            return None
    return dict(value)


def fast_user(user: object) -> bool:
    """True when `parse_user` accepts ``user`` (``{"identities", "segments", "traits"}``, the
    shape the user setters build) as it is; False when the full path must decide."""
    if type(user) is not dict or list(user) != ["identities", "segments", "traits"]:
        return False
    identities = fast_identities(user["identities"])
    if identities is None or list(identities) != list(user["identities"]):
        return False  # names not lower case yet: the full path lowers them
    if fast_segments(user["segments"]) is None or fast_traits(user["traits"]) is None:
        return False
    return serialized_size(user) <= MAX_USER_BYTES
