"""Pydantic models of the wire format (DESIGN §2) and the validation rules behind them.

This module owns what an activity and a user may contain: strict types (no coercion, booleans
are not numbers), finite numbers only, valid Unicode only, size limits, identity names lower
cased, and the translation of pydantic's errors into `ValidationError`s whose `field` is a
dotted path. `to_wire` turns a model back into the JSON-able dict the collector receives, keys
in a stable order. For optional known fields `None` means "absent" (like `undefined` in
JavaScript): it is accepted and not sent.
"""

import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, TypeVar

import pydantic
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainValidator,
    PrivateAttr,
    TypeAdapter,
    model_validator,
)

from xo_web.errors import ACTIVITY_FORMAT_MESSAGE, USER_FORMAT_MESSAGE, ValidationError

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
_CURRENCY = re.compile(r"[A-Z]{3}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?"
    r"(?:[Zz]|[+-]\d{2}:?\d{2})?"
)
_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")

Scalar = str | int | float | bool
TraitValue = str | int | float | bool


def is_session_id(value: object) -> bool:
    """Return True for a well-formed session id: 1-128 of [A-Za-z0-9._:-], alphanumeric first."""
    return isinstance(value, str) and SESSION_ID_PATTERN.fullmatch(value) is not None


def serialized_size(value: object) -> int:
    """Return the size in UTF-8 bytes of `value` as compact JSON, as it goes on the wire."""
    return len(dumps(value).encode("utf-8"))


def dumps(value: object) -> str:
    """Serialize `value` as the JS SDK's ``JSON.stringify`` would: compact, UTF-8, no NaN.

    Floats are written as JavaScript writes numbers (``10.0`` → ``10``, ``1e-06`` →
    ``0.000001``), so a body is byte-identical to the official SDK's for the same input.
    """
    return "".join(_encode(value))


def _encode(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield json.dumps(value, ensure_ascii=False)
    elif value is None or isinstance(value, bool):
        yield "null" if value is None else ("true" if value else "false")
    elif isinstance(value, int):
        yield str(value)
    elif isinstance(value, float):
        yield js_number(value)
    elif isinstance(value, dict):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"keys must be strings, not {type(key).__name__}")
            yield ("," if index else "") + json.dumps(key, ensure_ascii=False) + ":"
            yield from _encode(item)
        yield "}"
    elif isinstance(value, (list, tuple)):
        yield "["
        for index, item in enumerate(value):
            if index:
                yield ","
            yield from _encode(item)
        yield "]"
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")


def js_number(number: float) -> str:
    """Return ``String(number)`` as JavaScript (ECMAScript Number::toString) writes it."""
    if not math.isfinite(number):
        raise ValueError(f"{number!r} is not a JSON number")
    if number == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(number)).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    exponent += len(digits) - len(text)
    k = len(text)
    n = exponent + k  # the value is 0.<text> x 10**n
    if k <= n <= 21:
        out = text + "0" * (n - k)
    elif 0 < n <= 21:
        out = f"{text[:n]}.{text[n:]}"
    elif -6 < n <= 0:
        out = "0." + "0" * -n + text
    else:
        mantissa = text if k == 1 else f"{text[0]}.{text[1:]}"
        out = f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return ("-" if sign else "") + out


class _Invalid(ValueError):
    """A rule violation; `path` is appended to pydantic's location (e.g. ".a[2]")."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names |= {dict: "an object", list: "a list", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")


def _text(value: object, *, max_length: int = MAX_STRING_LENGTH) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, not {_kind(value)}")
    if len(value) > max_length:
        raise _Invalid(f"must be at most {max_length} characters long, not {len(value)}")
    if _SURROGATE.search(value):
        raise _Invalid("contains a lone surrogate, which is not valid Unicode text")
    return str(value)


def _non_empty_text(value: object) -> str:
    text = _text(value)
    if not text.strip():
        raise _Invalid("must not be empty")
    return text


def _key(value: object) -> str:
    key = _text(value, max_length=MAX_KEY_LENGTH)
    if not key.strip():
        raise _Invalid("must not be empty")
    return key


def _number(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"must be a number, not {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Invalid("must be a finite number (NaN and Infinity are not allowed)")
    return int(value) if isinstance(value, int) else float(value)


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"must be a boolean, not {_kind(value)}")
    return value


def _scalar(value: object) -> Scalar:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _number(value)
    raise _Invalid(f"must be a string, a number or a boolean, not {_kind(value)}")


def _currency(value: object) -> str:
    code = _text(value)
    if not _CURRENCY.fullmatch(code):
        raise _Invalid(f"must be a three-letter upper-case ISO 4217 code like 'EUR', not {code!r}")
    return code


def _timestamp(value: object) -> str:
    text = _text(value)
    match = _TIMESTAMP.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise _Invalid(
            f"must be an ISO 8601 date and time such as '2024-05-01T12:00:00Z', not {text!r}"
        ) from None
    return text


def _metadata_value(value: object) -> Scalar | list[Scalar]:
    if not isinstance(value, list):
        try:
            return _scalar(value)
        except _Invalid:
            raise _Invalid(
                f"must be a string, a number, a boolean or a list of them, not {_kind(value)}"
            ) from None
    if len(value) > MAX_LIST_ITEMS:
        raise _Invalid(f"must have at most {MAX_LIST_ITEMS} items, not {len(value)}")
    items: list[Scalar] = []
    for index, item in enumerate(value):
        try:
            items.append(_scalar(item))
        except _Invalid as exc:
            raise _Invalid(exc.reason, f"[{index}]") from None
    return items


def _json_value(value: object, depth: int = 0) -> object:
    """Validate and copy an arbitrary JSON value (unknown top-level keys pass through)."""
    if depth > MAX_NESTING:
        raise _Invalid(f"is nested more than {MAX_NESTING} levels deep")
    if value is None or isinstance(value, str | int | float):
        return _scalar(value) if value is not None else None
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise _Invalid(f"must have at most {MAX_LIST_ITEMS} items, not {len(value)}")
        copy: list[object] = []
        for index, item in enumerate(value):
            try:
                copy.append(_json_value(item, depth + 1))
            except _Invalid as exc:
                raise _Invalid(exc.reason, f"[{index}]{exc.path}") from None
        return copy
    if isinstance(value, dict):
        if len(value) > MAX_EXTRA_KEYS:
            raise _Invalid(f"must have at most {MAX_EXTRA_KEYS} keys, not {len(value)}")
        result: dict[str, object] = {}
        for key, item in value.items():
            try:
                name = _key(key)
            except _Invalid as exc:
                raise _Invalid(f"has an invalid key {_show(key)}: {exc.reason}") from None
            try:
                result[name] = _json_value(item, depth + 1)
            except _Invalid as exc:
                raise _Invalid(exc.reason, f"{_step(name)}{exc.path}") from None
        return result
    raise _Invalid(f"must be a JSON value, not {_kind(value)}")


_T = TypeVar("_T", bound=Any)


def _at_most(limit: int, what: str) -> Callable[[_T], _T]:
    def check(value: _T) -> _T:
        if len(value) > limit:
            raise _Invalid(f"must have at most {limit} {what}, not {len(value)}")
        return value

    return check


def _optional(check: Callable[[object], _T]) -> Callable[[object], _T | None]:
    def validate(value: object) -> _T | None:
        return None if value is None else check(value)

    return validate


def _lower_identity_names(value: object) -> object:
    """Lower-case repository names before validation, so errors name e.g. "sessionid"."""
    if not isinstance(value, dict):
        return value
    lowered: dict[object, object] = {}
    for repository, identity in value.items():
        name = repository.lower() if isinstance(repository, str) else repository
        if name in lowered:
            raise _Invalid(
                f"names the repository {_show(name)} more than once "
                "(repository names are case-insensitive)"
            )
        lowered[name] = identity
    return lowered


def _check_session_identity(identities: dict[str, str]) -> dict[str, str]:
    session_id = identities.get(SESSION_IDENTITY)
    if session_id is not None and not is_session_id(session_id):
        raise _Invalid(
            "must be 1 to 128 characters of letters, digits, '.', '_', ':' or '-', "
            "starting with a letter or digit",
            f".{SESSION_IDENTITY}",
        )
    return identities


Text = Annotated[str, PlainValidator(_non_empty_text)]
Key = Annotated[str, PlainValidator(_key)]
Number = Annotated[int | float, PlainValidator(_number)]
Trait = Annotated[TraitValue, PlainValidator(_scalar)]
MetadataValue = Annotated[Scalar | list[Scalar], PlainValidator(_metadata_value)]
JsonValue = Annotated[object, PlainValidator(_json_value)]
Target = Annotated[dict[Key, Text], AfterValidator(_at_most(MAX_TARGET_KEYS, "keys"))]
Segments = Annotated[list[Text], AfterValidator(_at_most(MAX_SEGMENTS, "segments"))]
Traits = Annotated[dict[Key, Trait], AfterValidator(_at_most(MAX_TRAITS, "traits"))]
Identities = Annotated[
    dict[Key, Text],
    BeforeValidator(_lower_identity_names),
    AfterValidator(_at_most(MAX_IDENTITIES, "identities")),
    AfterValidator(_check_session_identity),
]


class _WireModel(BaseModel):
    """A wire object: strict, extra keys validated as JSON and kept, key order remembered."""

    model_config = ConfigDict(strict=True, extra="allow")
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)
    _leading_keys: ClassVar[tuple[str, ...]] = ()
    _order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_key_order(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if isinstance(data, dict):
            for key in data:
                try:
                    _key(key)
                except _Invalid as exc:
                    raise _Invalid(f"has an invalid key {_show(key)}: {exc.reason}") from None
        model = handler(data)
        if isinstance(data, dict):
            model._order = tuple(data)
        return model

    def wire(self) -> dict[str, object]:
        """Return the JSON-able dict for the wire: only given keys, leading keys first."""
        extra = self.__pydantic_extra__ or {}
        fields_set = [name for name in type(self).model_fields if name in self.model_fields_set]
        given = [*self._order, *fields_set, *extra]
        order = dict.fromkeys([*self._leading_keys, *given])
        out: dict[str, object] = {}
        for key in order:
            if key in type(self).model_fields:
                value = getattr(self, key)
            elif key in extra:
                value = extra[key]
            else:
                continue
            if value is None and key in type(self).model_fields:
                continue
            out[key] = _plain(value)
        return out


def _plain(value: object) -> object:
    if isinstance(value, _WireModel):
        return value.wire()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class Metadata(_WireModel):
    """The `metadata` of an activity: known commerce keys plus any scalar or list values."""

    # Narrower than the base class on purpose: metadata values are scalars or lists of them.
    __pydantic_extra__: dict[str, MetadataValue] = Field(init=False)  # type: ignore[assignment]
    price: Annotated[int | float | None, PlainValidator(_optional(_number))] = None
    quantity: Annotated[int | float | None, PlainValidator(_optional(_number))] = None
    currency: Annotated[str | None, PlainValidator(_optional(_currency))] = None
    orderId: Annotated[str | None, PlainValidator(_optional(_non_empty_text))] = None
    market: Annotated[str | None, PlainValidator(_optional(_non_empty_text))] = None

    @model_validator(mode="after")
    def _limit_keys(self) -> "Metadata":
        count = len(self.model_fields_set) + len(self.__pydantic_extra__ or {})
        if count > MAX_METADATA_KEYS:
            raise _Invalid(f"must have at most {MAX_METADATA_KEYS} keys, not {count}")
        return self


class User(_WireModel):
    """The user on the wire: identities (names lower case), segments and traits."""

    identities: Identities
    segments: Segments | None = None
    traits: Traits | None = None


class Activity(_WireModel):
    """One activity as the collector receives it."""

    # No leading keys: the caller's order is kept, as the JS SDK's `{...activity, user}` does.
    action: Text
    target: Target
    sourceId: Annotated[str | None, PlainValidator(_optional(_non_empty_text))] = None
    opposite: Annotated[bool | None, PlainValidator(_optional(_boolean))] = None
    segments: Segments | None = None
    timestamp: Annotated[str | None, PlainValidator(_optional(_timestamp))] = None
    metadata: Metadata | None = None
    user: User | None = None


def _show(key: object) -> str:
    return json.dumps(key) if isinstance(key, str) else repr(key)


def _step(name: str) -> str:
    return f".{name}" if _PLAIN_KEY.fullmatch(name) else f"[{json.dumps(name)}]"


def join_field(prefix: str, *steps: object) -> str:
    """Return the dotted path of `steps` below `prefix`: join_field("user.traits", "a b", 0)."""
    path = prefix
    for step in steps:
        if isinstance(step, int):
            path += f"[{step}]"
        elif isinstance(step, str):
            path += _step(step)
    return path.removeprefix(".")


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
    reason = cause.reason if isinstance(cause, _Invalid) else None
    if loc and loc[-1] == "[key]":
        key = loc[-2]
        loc = loc[:-2]
        reason = f"has an invalid key {_show(key)}: {reason or error['msg']}"
    elif reason is None:
        if error["type"] in ("dict_type", "model_type", "model_attributes_type"):
            reason = f"must be an object, not {_kind(value)}"
        elif error["type"] == "list_type":
            reason = f"must be a list, not {_kind(value)}"
        else:
            reason = _GENERIC_REASONS.get(error["type"], error["msg"])
    field = join_field(prefix, *loc)
    if isinstance(cause, _Invalid) and cause.path:
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
        raise ValidationError(prefix, f"{what} must be an object, not {_kind(obj)}")
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
_TRAITS: TypeAdapter[dict[str, TraitValue]] = TypeAdapter(Traits, config=ConfigDict(strict=True))


_TEXT: TypeAdapter[str] = TypeAdapter(Text)


def parse_text(obj: object, *, field: str, message: str = USER_FORMAT_MESSAGE) -> str:
    """Validate one non-empty string (at most MAX_STRING_LENGTH, valid Unicode)."""
    return _validate(_TEXT.validate_python, obj, prefix=field, message=message)


def parse_user(obj: object, *, field: str = "user", message: str = USER_FORMAT_MESSAGE) -> User:
    """Validate a whole user (identities required); raise ValidationError naming the field."""
    if not isinstance(obj, dict):
        raise ValidationError(field, f"must be an object, not {_kind(obj)}", prefix=message)
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
) -> dict[str, TraitValue]:
    """Validate traits (string, finite number or boolean values); return a copy."""
    return _validate(_TRAITS.validate_python, obj, prefix=field, message=message)


def check_user_size(user_wire: dict[str, object], *, field: str = "user") -> None:
    """Refuse a user whose serialized form exceeds MAX_USER_BYTES."""
    _check_size(user_wire, MAX_USER_BYTES, field, USER_FORMAT_MESSAGE)


def check_activity_size(activity_wire: dict[str, object], *, field: str = "") -> None:
    """Refuse an activity (user included) whose serialized form exceeds MAX_ACTIVITY_BYTES."""
    _check_size(activity_wire, MAX_ACTIVITY_BYTES, field, ACTIVITY_FORMAT_MESSAGE)
