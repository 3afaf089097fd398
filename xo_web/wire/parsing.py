"""Parsing untrusted input into wire values, with errors that name the offending field.

This module owns the entry points the SDK validates with (`parse_activities`, `parse_user`,
`parse_identities`, ...), the size limits checked on the serialized form, and the translation
of pydantic's errors into `ValidationError`s whose `field` is a dotted path ("target.product",
"[1].action", "user.traits.age").
"""

from collections.abc import Callable
from typing import TypeVar

import pydantic
from pydantic import ConfigDict, TypeAdapter

from xo_web.errors import ACTIVITY_FORMAT_MESSAGE, USER_FORMAT_MESSAGE, ValidationError
from xo_web.wire.encoding import serialized_size
from xo_web.wire.models import Activity, Identities, Segments, Text, Traits, User
from xo_web.wire.rules import (
    MAX_ACTIVITY_BYTES,
    MAX_BATCH_SIZE,
    MAX_USER_BYTES,
    RuleViolation,
    Scalar,
    join_field,
    kind_of,
    show_key,
)

_GENERIC_REASONS = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "invalid_key": "has a key that is not a string",
}


def _translate(exc: pydantic.ValidationError, prefix: str, message: str) -> ValidationError:
    error = exc.errors(include_url=False)[0]
    loc = list(error["loc"])
    value = error.get("input")
    cause = (error.get("ctx") or {}).get("error")
    reason = cause.reason if isinstance(cause, RuleViolation) else None
    if loc and loc[-1] == "[key]":
        key = loc[-2]
        loc = loc[:-2]
        reason = f"has an invalid key {show_key(key)}: {reason or error['msg']}"
    elif reason is None:
        if error["type"] in ("dict_type", "model_type", "model_attributes_type"):
            reason = f"must be an object, not {kind_of(value)}"
        elif error["type"] == "list_type":
            reason = f"must be a list, not {kind_of(value)}"
        else:
            reason = _GENERIC_REASONS.get(error["type"], error["msg"])
    field = join_field(prefix, *loc)
    if isinstance(cause, RuleViolation) and cause.path:
        field = (field + cause.path).removeprefix(".")
    return ValidationError(field, reason, prefix=message)


_M = TypeVar("_M")


def _validate(validate: Callable[[object], _M], obj: object, *, prefix: str, message: str) -> _M:
    try:
        return validate(obj)
    except pydantic.ValidationError as exc:
        raise _translate(exc, prefix, message) from None


def _check_size(wire: object, limit: int, field: str, message: str) -> None:
    size = serialized_size(wire)
    if size > limit:
        raise ValidationError(
            field, f"is {size} bytes once serialized, more than the {limit} allowed", prefix=message
        )


def _parse_one(obj: object, prefix: str) -> Activity:
    if isinstance(obj, Activity):
        obj = obj.wire()
    if not isinstance(obj, dict):
        what = "the activity" if not prefix else "each activity"
        raise ValidationError(prefix, f"{what} must be an object, not {kind_of(obj)}")
    activity = _validate(
        Activity.model_validate, obj, prefix=prefix, message=ACTIVITY_FORMAT_MESSAGE
    )
    _check_size(activity.wire(), MAX_ACTIVITY_BYTES, prefix, ACTIVITY_FORMAT_MESSAGE)
    return activity


def parse_activity(obj: object) -> Activity:
    """Validate one activity (a dict in wire format); raise ValidationError naming the field."""
    return _parse_one(obj, "")


def parse_activities(obj: object) -> list[Activity]:
    """Validate one activity or a non-empty list of them; errors in a list say "[i].field"."""
    if not isinstance(obj, list):
        return [_parse_one(obj, "")]
    if not obj:
        raise ValidationError("", "the list of activities is empty; send at least one activity")
    if len(obj) > MAX_BATCH_SIZE:
        raise ValidationError(
            "", f"at most {MAX_BATCH_SIZE} activities can be sent at once, not {len(obj)}"
        )
    return [_parse_one(item, f"[{index}]") for index, item in enumerate(obj)]


def to_wire(activity: Activity) -> dict[str, object]:
    """Return the activity as the JSON-able dict sent to the collector (a fresh copy)."""
    return activity.wire()


_IDENTITIES: TypeAdapter[dict[str, str]] = TypeAdapter(Identities, config=ConfigDict(strict=True))
_SEGMENTS: TypeAdapter[list[str]] = TypeAdapter(Segments, config=ConfigDict(strict=True))
_TRAITS: TypeAdapter[dict[str, Scalar]] = TypeAdapter(Traits, config=ConfigDict(strict=True))


_TEXT: TypeAdapter[str] = TypeAdapter(Text)


def parse_text(obj: object, *, field: str, message: str = USER_FORMAT_MESSAGE) -> str:
    """Validate one non-empty string (at most MAX_STRING_LENGTH, valid Unicode)."""
    return _validate(_TEXT.validate_python, obj, prefix=field, message=message)


def parse_user(obj: object, *, field: str = "user", message: str = USER_FORMAT_MESSAGE) -> User:
    """Validate a whole user (identities required); raise ValidationError naming the field."""
    if not isinstance(obj, dict):
        raise ValidationError(field, f"must be an object, not {kind_of(obj)}", prefix=message)
    user = _validate(User.model_validate, obj, prefix=field, message=message)
    _check_size(user.wire(), MAX_USER_BYTES, field, message)
    return user


def parse_identities(
    obj: object, *, field: str = "user.identities", message: str = USER_FORMAT_MESSAGE
) -> dict[str, str]:
    """Validate identities; return a copy with repository names lower-cased."""
    return _validate(_IDENTITIES.validate_python, obj, prefix=field, message=message)


def parse_segments(
    obj: object, *, field: str = "user.segments", message: str = USER_FORMAT_MESSAGE
) -> list[str]:
    """Validate a list of segments; return a copy."""
    return _validate(_SEGMENTS.validate_python, obj, prefix=field, message=message)


def parse_traits(
    obj: object, *, field: str = "user.traits", message: str = USER_FORMAT_MESSAGE
) -> dict[str, Scalar]:
    """Validate traits (string, finite number or boolean values); return a copy."""
    return _validate(_TRAITS.validate_python, obj, prefix=field, message=message)


def check_user_size(user_wire: dict[str, object], *, field: str = "user") -> None:
    """Refuse a user whose serialized form exceeds MAX_USER_BYTES."""
    _check_size(user_wire, MAX_USER_BYTES, field, USER_FORMAT_MESSAGE)


def check_activity_size(activity_wire: dict[str, object], *, field: str = "") -> None:
    """Refuse an activity (user included) whose serialized form exceeds MAX_ACTIVITY_BYTES."""
    _check_size(activity_wire, MAX_ACTIVITY_BYTES, field, ACTIVITY_FORMAT_MESSAGE)
