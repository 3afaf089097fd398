"""The pydantic models of the wire format (DESIGN §2): Activity, its Metadata, and User.

This module owns the shapes: which fields an activity and a user have, which rule each field
follows (xo_web.wire.rules), that unknown keys are validated as JSON and kept, and the key order
the caller used. `wire()` turns a model back into the JSON-able dict the collector receives.
For optional known fields `None` means "absent" (like `undefined` in JavaScript).

It also owns when the validators are built: not at import (`defer_build`: defining the classes
only collects their fields), but on first use or earlier by `build_steps()`, which
`xo_web.wire.warmup` runs in idle time after boot, one small task per model. A model built
either way validates identically.
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
    model_validator,
)

from xo_web.wire.rules import (
    MAX_IDENTITIES,
    MAX_METADATA_KEYS,
    MAX_SEGMENTS,
    MAX_TARGET_KEYS,
    MAX_TRAITS,
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

Text = Annotated[str, PlainValidator(check_non_empty_text)]
Key = Annotated[str, PlainValidator(check_key)]
Number = Annotated[int | float, PlainValidator(check_number)]
Trait = Annotated[Scalar, PlainValidator(check_scalar)]
MetadataValue = Annotated[Scalar | list[Scalar], PlainValidator(check_metadata_value)]
JsonValue = Annotated[object, PlainValidator(check_json_value)]
Target = Annotated[dict[Key, Text], AfterValidator(at_most(MAX_TARGET_KEYS, "keys"))]
Segments = Annotated[list[Text], AfterValidator(at_most(MAX_SEGMENTS, "segments"))]
Traits = Annotated[dict[Key, Trait], AfterValidator(at_most(MAX_TRAITS, "traits"))]
Identities = Annotated[
    dict[Key, Text],
    BeforeValidator(lower_identity_names),
    AfterValidator(at_most(MAX_IDENTITIES, "identities")),
    AfterValidator(check_session_identity),
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
    price: Annotated[int | float | None, PlainValidator(optional(check_number))] = None
    quantity: Annotated[int | float | None, PlainValidator(optional(check_number))] = None
    currency: Annotated[str | None, PlainValidator(optional(check_currency))] = None
    orderId: Annotated[str | None, PlainValidator(optional(check_non_empty_text))] = None
    market: Annotated[str | None, PlainValidator(optional(check_non_empty_text))] = None

    @model_validator(mode="after")
    def _limit_keys(self) -> "Metadata":
        count = len(self.model_fields_set) + len(self.__pydantic_extra__ or {})
        if count > MAX_METADATA_KEYS:
            raise RuleViolation(f"must have at most {MAX_METADATA_KEYS} keys, not {count}")
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
    sourceId: Annotated[str | None, PlainValidator(optional(check_non_empty_text))] = None
    opposite: Annotated[bool | None, PlainValidator(optional(check_boolean))] = None
    segments: Segments | None = None
    timestamp: Annotated[str | None, PlainValidator(optional(check_timestamp))] = None
    metadata: Metadata | None = None
    user: User | None = None


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
