"""The rules a wire value must follow: limits, strict types, finite numbers, valid Unicode.

This module owns the checks behind the pydantic models (xo_web.wire.models): each takes a raw
value and returns it (copied and normalised) or raises `RuleViolation` with a reason the
parsers turn into a `ValidationError` naming the field. Booleans are never numbers; NaN and
Infinity are refused; strings are bounded and valid Unicode; identity repository names are
lower-cased.
"""

import json
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

MAX_STRING_LENGTH = 2048
MAX_KEY_LENGTH = 256
MAX_TARGET_KEYS = 100
MAX_METADATA_KEYS = 100
MAX_LIST_ITEMS = 200
MAX_SEGMENTS = 200
MAX_TRAITS = 200
MAX_IDENTITIES = 50
MAX_EXTRA_KEYS = 100
MAX_NESTING = 8
MAX_ACTIVITY_BYTES = 64 * 1024
MAX_USER_BYTES = 16 * 1024
MAX_BATCH_SIZE = 100
SESSION_IDENTITY = "sessionid"

SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
TIMESTAMP_PATTERN = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?"
    r"(?:[Zz]|[+-]\d{2}:?\d{2})?"
)
_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")

Scalar = str | int | float | bool
"""A trait or metadata value: a string, a finite number or a boolean."""


def is_session_id(value: object) -> bool:
    """Return True for a well-formed session id: 1-128 of [A-Za-z0-9._:-], alphanumeric first."""
    return isinstance(value, str) and SESSION_ID_PATTERN.fullmatch(value) is not None


def is_bounded_number(value: object, *, bound: float) -> bool:
    """Return True for an int or float (not a bool) that is finite and below `bound` in size."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and abs(value) < bound


def show_key(key: object) -> str:
    return json.dumps(key) if isinstance(key, str) else repr(key)


def path_step(name: str) -> str:
    return f".{name}" if _PLAIN_KEY.fullmatch(name) else f"[{json.dumps(name)}]"


def join_field(prefix: str, *steps: object) -> str:
    """Return the dotted path of `steps` below `prefix`: join_field("user.traits", "a b", 0)."""
    path = prefix
    for step in steps:
        if isinstance(step, int):
            path += f"[{step}]"
        elif isinstance(step, str):
            path += path_step(step)
    return path.removeprefix(".")


class RuleViolation(ValueError):
    """A rule violation; `path` is appended to pydantic's location (e.g. ".a[2]")."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


def kind_of(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names |= {dict: "an object", list: "a list", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")


def check_text(value: object, *, max_length: int = MAX_STRING_LENGTH) -> str:
    if not isinstance(value, str):
        raise RuleViolation(f"must be a string, not {kind_of(value)}")
    if len(value) > max_length:
        raise RuleViolation(f"must be at most {max_length} characters long, not {len(value)}")
    if _SURROGATE.search(value):
        raise RuleViolation("contains a lone surrogate, which is not valid Unicode text")
    return str(value)


def check_non_empty_text(value: object) -> str:
    text = check_text(value)
    if not text.strip():
        raise RuleViolation("must not be empty")
    return text


def check_key(value: object) -> str:
    key = check_text(value, max_length=MAX_KEY_LENGTH)
    if not key.strip():
        raise RuleViolation("must not be empty")
    return key


def check_number(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleViolation(f"must be a number, not {kind_of(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RuleViolation("must be a finite number (NaN and Infinity are not allowed)")
    return int(value) if isinstance(value, int) else float(value)


def check_boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise RuleViolation(f"must be a boolean, not {kind_of(value)}")
    return value


def check_scalar(value: object) -> Scalar:
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return check_number(value)
    raise RuleViolation(f"must be a string, a number or a boolean, not {kind_of(value)}")


def check_currency(value: object) -> str:
    code = check_text(value)
    if not CURRENCY_PATTERN.fullmatch(code):
        raise RuleViolation(
            f"must be a three-letter upper-case ISO 4217 code like 'EUR', not {code!r}"
        )
    return code


def check_timestamp(value: object) -> str:
    text = check_text(value)
    match = TIMESTAMP_PATTERN.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise RuleViolation(
            f"must be an ISO 8601 date and time such as '2024-05-01T12:00:00Z', not {text!r}"
        ) from None
    return text


def check_metadata_value(value: object) -> Scalar | list[Scalar]:
    if not isinstance(value, list):
        try:
            return check_scalar(value)
        except RuleViolation:
            raise RuleViolation(
                f"must be a string, a number, a boolean or a list of them, not {kind_of(value)}"
            ) from None
    if len(value) > MAX_LIST_ITEMS:
        raise RuleViolation(f"must have at most {MAX_LIST_ITEMS} items, not {len(value)}")
    items: list[Scalar] = []
    for index, item in enumerate(value):
        try:
            items.append(check_scalar(item))
        except RuleViolation as exc:
            raise RuleViolation(exc.reason, f"[{index}]") from None
    return items


def check_json_value(value: object, depth: int = 0) -> object:
    """Validate and copy an arbitrary JSON value (unknown top-level keys pass through)."""
    if depth > MAX_NESTING:
        raise RuleViolation(f"is nested more than {MAX_NESTING} levels deep")
    if value is None or isinstance(value, str | int | float):
        return check_scalar(value) if value is not None else None
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise RuleViolation(f"must have at most {MAX_LIST_ITEMS} items, not {len(value)}")
        copy: list[object] = []
        for index, item in enumerate(value):
            try:
                copy.append(check_json_value(item, depth + 1))
            except RuleViolation as exc:
                raise RuleViolation(exc.reason, f"[{index}]{exc.path}") from None
        return copy
    if isinstance(value, dict):
        if len(value) > MAX_EXTRA_KEYS:
            raise RuleViolation(f"must have at most {MAX_EXTRA_KEYS} keys, not {len(value)}")
        result: dict[str, object] = {}
        for key, item in value.items():
            try:
                name = check_key(key)
            except RuleViolation as exc:
                raise RuleViolation(f"has an invalid key {show_key(key)}: {exc.reason}") from None
            try:
                result[name] = check_json_value(item, depth + 1)
            except RuleViolation as exc:
                raise RuleViolation(exc.reason, f"{path_step(name)}{exc.path}") from None
        return result
    raise RuleViolation(f"must be a JSON value, not {kind_of(value)}")


_T = TypeVar("_T", bound=Any)


def at_most(limit: int, what: str) -> Callable[[_T], _T]:
    def check(value: _T) -> _T:
        if len(value) > limit:
            raise RuleViolation(f"must have at most {limit} {what}, not {len(value)}")
        return value

    return check


def optional(check: Callable[[object], _T]) -> Callable[[object], _T | None]:
    def validate(value: object) -> _T | None:
        return None if value is None else check(value)

    return validate


def lower_identity_names(value: object) -> object:
    """Lower-case repository names before validation, so errors name e.g. "sessionid"."""
    if not isinstance(value, dict):
        return value
    lowered: dict[object, object] = {}
    for repository, identity in value.items():
        name = repository.lower() if isinstance(repository, str) else repository
        if name in lowered:
            raise RuleViolation(
                f"names the repository {show_key(name)} more than once "
                "(repository names are case-insensitive)"
            )
        lowered[name] = identity
    return lowered


def check_session_identity(identities: dict[str, str]) -> dict[str, str]:
    session_id = identities.get(SESSION_IDENTITY)
    if session_id is not None and not is_session_id(session_id):
        raise RuleViolation(
            "must be 1 to 128 characters of letters, digits, '.', '_', ':' or '-', "
            "starting with a letter or digit",
            f".{SESSION_IDENTITY}",
        )
    return identities
