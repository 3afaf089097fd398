"""The pydantic models of the wire format (docs/activity.md): Activity, its Metadata, and User.

This module owns the shapes: which fields an activity and a user have, which rule each field
follows (xo_web.wire.rules), that unknown keys are validated as JSON and kept, and the key order
the caller used. `wire()` turns a model back into the JSON-able dict the collector receives.
For optional known fields `None` means "absent" (like `undefined` in JavaScript).

It also owns when the validators are built: not at import (`defer_build`: defining the classes
only collects their fields), but on first use or earlier by `build_steps()`, which
`xo_web.wire.warmup` runs in idle time after boot, one small task per model. A model built
either way validates identically.

Each field also carries its JSON Schema (`WithJsonSchema`, the rules' limits) and a
description: the docs' activity reference and its downloadable schema are generated from them
(`Activity.model_json_schema()`), so they cannot drift from what is checked.
"""

from collections.abc import Callable
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainValidator,
    PrivateAttr,
    WithJsonSchema,
    model_validator,
)

from xo_web.wire.rules import (
    CURRENCY_PATTERN,
    MAX_IDENTITIES,
    MAX_KEY_LENGTH,
    MAX_LIST_ITEMS,
    MAX_METADATA_KEYS,
    MAX_SEGMENTS,
    MAX_STRING_LENGTH,
    MAX_TARGET_KEYS,
    MAX_TRAITS,
    SESSION_ID_PATTERN,
    SESSION_IDENTITY,
    TIMESTAMP_PATTERN,
    RuleViolation,
    Scalar,
    at_most,
    check_boolean,
    check_currency,
    check_json_value,
    check_key,
    check_metadata_value,
    check_non_empty_text,
    check_number,
    check_scalar,
    check_session_identity,
    check_timestamp,
    lower_identity_names,
    optional,
    show_key,
)

# The JSON Schema of each kind of value: what the rules above check, for the docs' reference.
_TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_STRING_LENGTH, "pattern": r"\S"}
_KEY = {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"\S"}
_SCALAR = {"type": ["string", "number", "boolean"], "maxLength": MAX_STRING_LENGTH}
_TIMESTAMP = {"type": "string", "pattern": f"^{TIMESTAMP_PATTERN.pattern}$"}
_CURRENCY = {"type": "string", "pattern": f"^{CURRENCY_PATTERN.pattern}$"}
_SESSION_ID = {"type": "string", "pattern": f"^{SESSION_ID_PATTERN.pattern}$"}


def _object_of(values: dict[str, Any], limit: int) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": "object",
            "propertyNames": _KEY,
            "additionalProperties": values,
            "maxProperties": limit,
        }
    )


def _list_of(items: dict[str, Any], limit: int) -> WithJsonSchema:
    return WithJsonSchema({"type": "array", "items": items, "maxItems": limit})


Text = Annotated[str, PlainValidator(check_non_empty_text), WithJsonSchema(_TEXT)]
Key = Annotated[str, PlainValidator(check_key), WithJsonSchema(_KEY)]
Number = Annotated[int | float, PlainValidator(check_number), WithJsonSchema({"type": "number"})]
Trait = Annotated[Scalar, PlainValidator(check_scalar), WithJsonSchema(_SCALAR)]
MetadataValue = Annotated[
    Scalar | list[Scalar],
    PlainValidator(check_metadata_value),
    WithJsonSchema(
        {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR, "maxItems": MAX_LIST_ITEMS}]}
    ),
]
JsonValue = Annotated[object, PlainValidator(check_json_value), WithJsonSchema({})]
Target = Annotated[
    dict[Key, Text],
    AfterValidator(at_most(MAX_TARGET_KEYS, "keys")),
    _object_of(_TEXT, MAX_TARGET_KEYS),
]
Segments = Annotated[
    list[Text], AfterValidator(at_most(MAX_SEGMENTS, "segments")), _list_of(_TEXT, MAX_SEGMENTS)
]
Traits = Annotated[
    dict[Key, Trait], AfterValidator(at_most(MAX_TRAITS, "traits")), _object_of(_SCALAR, MAX_TRAITS)
]
Identities = Annotated[
    dict[Key, Text],
    BeforeValidator(lower_identity_names),
    AfterValidator(at_most(MAX_IDENTITIES, "identities")),
    AfterValidator(check_session_identity),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": _KEY,
            "properties": {SESSION_IDENTITY: _SESSION_ID},
            "additionalProperties": _TEXT,
            "maxProperties": MAX_IDENTITIES,
        }
    ),
]
OptionalText = Annotated[
    str | None, PlainValidator(optional(check_non_empty_text)), WithJsonSchema(_TEXT)
]
OptionalNumber = Annotated[
    int | float | None, PlainValidator(optional(check_number)), WithJsonSchema({"type": "number"})
]


class _WireModel(BaseModel):
    """A wire object: strict, extra keys validated as JSON and kept, key order remembered."""

    model_config = ConfigDict(strict=True, extra="allow", defer_build=True)
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)
    _leading_keys: ClassVar[tuple[str, ...]] = ()
    _order: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _remember_key_order(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if isinstance(data, dict):
            for key in data:
                try:
                    check_key(key)
                except RuleViolation as exc:
                    raise RuleViolation(
                        f"has an invalid key {show_key(key)}: {exc.reason}"
                    ) from None
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
    model_config = ConfigDict(json_schema_extra={"maxProperties": MAX_METADATA_KEYS})
    price: OptionalNumber = Field(
        default=None, description="The unit price, in integer cents by the XO docs (1999 = 19.99)."
    )
    quantity: OptionalNumber = Field(default=None, description="How many items.")
    currency: Annotated[
        str | None, PlainValidator(optional(check_currency)), WithJsonSchema(_CURRENCY)
    ] = Field(default=None, description="An ISO 4217 code in upper case: `EUR`, not `eur`.")
    orderId: OptionalText = Field(default=None, description="The order a `purchase` belongs to.")
    market: OptionalText = Field(
        default=None, description="The market (a country, a shop) it happened in."
    )

    @model_validator(mode="after")
    def _limit_keys(self) -> "Metadata":
        count = len(self.model_fields_set) + len(self.__pydantic_extra__ or {})
        if count > MAX_METADATA_KEYS:
            raise RuleViolation(f"must have at most {MAX_METADATA_KEYS} keys, not {count}")
        return self


class User(_WireModel):
    """The user on the wire: identities (names lower case), segments and traits."""

    identities: Identities = Field(
        description="Repository name → id. Names are case-insensitive and sent in lower case; "
        "the tracker adds `sessionid` when it is missing."
    )
    segments: Segments | None = Field(default=None, description="The visitor's segments.")
    traits: Traits | None = Field(
        default=None, description="The visitor's traits: strings, finite numbers or booleans."
    )


class Activity(_WireModel):
    """One activity as the collector receives it."""

    # No leading keys: the caller's order is kept, as the JS SDK's `{...activity, user}` does.
    action: Text = Field(
        description="What happened: `view`, `click`, `add-to-cart`, `remove-from-cart`, "
        "`purchase`, or a verb of your own."
    )
    target: Target = Field(
        description="What it happened to: names → strings, e.g. `product`, `pathToPage`, "
        "`category`; may be empty (`{}`)."
    )
    sourceId: OptionalText = Field(
        default=None, description="Where it came from, e.g. a widget's id."
    )
    opposite: Annotated[
        bool | None, PlainValidator(optional(check_boolean)), WithJsonSchema({"type": "boolean"})
    ] = Field(default=None, description="True when it undoes the action (e.g. an un-like).")
    segments: Segments | None = Field(default=None, description="Segments of this activity.")
    timestamp: Annotated[
        str | None, PlainValidator(optional(check_timestamp)), WithJsonSchema(_TIMESTAMP)
    ] = Field(
        default=None,
        description="When it happened, ISO 8601 (`2026-05-01T12:00:00Z`); the collector's "
        "receipt time when absent (the SDK does not fill it).",
    )
    metadata: Metadata | None = Field(
        default=None, description="Commerce details: `price`, `quantity`, `currency`, `orderId`, …"
    )
    user: User | None = Field(
        default=None,
        description="Who did it. Leave it out: the tracker attaches its user. When given, it "
        "is sent as given, with the session id added when it lacks one.",
    )


def _build(model: type[_WireModel]) -> Callable[[], None]:
    def build() -> None:
        if not model.__pydantic_complete__:
            model.model_rebuild()

    build.__name__ = f"build_{model.__name__}"
    return build


def build_steps() -> tuple[Callable[[], None], ...]:
    """Return the model builds as separate steps, nested models first; each does nothing when
    its model is already built (first use builds a model by itself)."""
    return (_build(Metadata), _build(User), _build(Activity))
