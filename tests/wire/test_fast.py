"""The fast path of activity validation gives exactly what the pydantic path gives, or defers.

Property-style: over many activity shapes, valid and invalid, `fast_activity` either returns
None or the same wire copy (same values, same types, same key order) as
`to_wire(parse_activity(...))`, with a JSON text equal to `dumps`; and `prepare_batch` returns
the same batch and texts as `prepare_validated`, or raises the same error naming the field.
"""

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xo_web.core.user import UserState
from xo_web.delivery.prepare import prepare_batch, prepare_validated
from xo_web.errors import ValidationError
from xo_web.testing import MemoryStorage
from xo_web.wire import compact, dumps, parse_activity, plain_float, to_wire
from xo_web.wire.fast import fast_activity


class Tagged(str):
    """A str subclass: the fast path leaves it to the full validation."""


class Record(dict[str, Any]):
    """A dict subclass: the fast path leaves it to the full validation."""


FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 10.0, 19.99, 1e-7, 1e-4, 1.5e16, 1e21, 123.456, -2.5]),
)
TEXTS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "\t\n", "EUR", "eur", "é", "x" * 2049, "\ud800", "a\udfffb"]),
    st.builds(Tagged, st.text(min_size=1, max_size=4)),
)
SCALARS = st.one_of(TEXTS, st.integers(-(2**60), 2**60), FLOATS, st.booleans(), st.none())
KEYS = st.one_of(
    st.sampled_from(["product", "pathToPage", "a b", "_x", "", " ", "k" * 257, "\ud800"]),
    st.text(max_size=6),
    st.integers(0, 3),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(KEYS, inner, max_size=3),
        st.builds(Record, st.dictionaries(st.text(min_size=1, max_size=3), inner, max_size=2)),
    ),
    max_leaves=6,
)
METADATA_KEYS = st.one_of(
    st.sampled_from(["price", "quantity", "currency", "orderId", "market", "color", "tags"]),
    KEYS,
)
METADATA = st.dictionaries(METADATA_KEYS, VALUES, max_size=5)
TARGET = st.dictionaries(KEYS, st.one_of(TEXTS, VALUES), max_size=4)
FIELDS = {
    "action": st.one_of(st.sampled_from(["view", "add-to-cart"]), TEXTS, VALUES),
    "target": st.one_of(TARGET, VALUES),
    "sourceId": st.one_of(TEXTS, VALUES),
    "opposite": st.one_of(st.booleans(), VALUES),
    "segments": st.one_of(st.lists(TEXTS, max_size=3), VALUES),
    "timestamp": st.one_of(
        st.sampled_from(["2024-05-01T12:00:00Z", "2024-02-30T00:00:00Z", "yesterday"]), VALUES
    ),
    "metadata": st.one_of(METADATA, VALUES),
    "user": st.one_of(
        st.just({"identities": {"crmid": "c-1"}}),
        st.sampled_from(
            [
                {"identities": {"crmid": "c-1"}, "segments": ["s"], "traits": {"a": 1.5}},
                {"identities": {"sessionid": "s-9", "crmid": "c"}, "segments": [], "traits": {}},
                {"identities": {"CRMID": "c"}, "segments": [], "traits": {}},
                {"identities": {}, "segments": ["a@b.example"], "traits": {"t": True}},
                {"identities": {"e": "x"}, "segments": [], "traits": {"mail": "a@b.example"}},
                {"segments": [], "identities": {"e": "x"}, "traits": {}},
            ]
        ),
        VALUES,
    ),
}


@st.composite
def activities(draw: st.DrawFn) -> object:
    """An activity-like value: mostly dicts of known fields, in any order, plus extras."""
    names = draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True, max_size=8))
    required = [name for name in ("action", "target") if draw(st.booleans()) or name in names]
    shape: dict[object, object] = {}
    for name in [*names, *(n for n in required if n not in names)]:
        shape[name] = draw(FIELDS[name])
    for key, value in draw(st.dictionaries(KEYS, VALUES, max_size=2)).items():
        shape.setdefault(key, value)
    return draw(st.one_of(st.just(shape), st.builds(Record, st.just(shape)), VALUES))


GOOD_TEXT = st.one_of(
    st.text(min_size=1, max_size=8).filter(str.strip),
    st.sampled_from(["p-1", "/p/1", "é ü", "\u2028", 'a"b\\c', "x" * 2048]),
)
GOOD_KEYS = st.one_of(st.sampled_from(["product", "a b", "k-1", "$x"]), GOOD_TEXT)
GOOD_SCALARS = st.one_of(st.text(max_size=6), st.integers(-(2**53), 2**53), FLOATS, st.booleans())
GOOD_FIELDS = {
    "action": GOOD_TEXT,
    "target": st.dictionaries(GOOD_KEYS, GOOD_TEXT, max_size=3),
    "sourceId": GOOD_TEXT,
    "opposite": st.booleans(),
    "segments": st.lists(GOOD_TEXT, max_size=3),
    "timestamp": st.sampled_from(["2024-05-01T12:00:00Z", "2024-05-01 12:00", "2024-02-30"]),
    "user": st.fixed_dictionaries(
        {
            "identities": st.dictionaries(
                st.sampled_from(["sessionid", "crmid", "e"]), st.sampled_from(["s-1", "x"])
            ),
            "segments": st.lists(GOOD_TEXT, max_size=2),
            "traits": st.dictionaries(GOOD_KEYS, GOOD_SCALARS, max_size=2),
        }
    ),
    "metadata": st.dictionaries(
        st.one_of(st.sampled_from(["price", "quantity", "currency", "market"]), GOOD_KEYS),
        st.one_of(
            GOOD_SCALARS, st.sampled_from(["EUR", "eur", None]), st.lists(GOOD_SCALARS, max_size=3)
        ),
        max_size=4,
    ),
}


@st.composite
def likely_valid(draw: st.DrawFn) -> object:
    """An activity that is valid more often than not: the shapes the fast path takes."""
    names = draw(st.lists(st.sampled_from(sorted(GOOD_FIELDS)), unique=True, max_size=7))
    names = [*names, *(n for n in ("action", "target") if n not in names)]
    shape: dict[object, object] = {}
    for name in draw(st.permutations(names)):
        shape[name] = draw(GOOD_FIELDS[name])
    for key, value in draw(st.dictionaries(GOOD_KEYS, GOOD_SCALARS, max_size=2)).items():
        shape.setdefault(key, value)
    if draw(st.integers(0, 4)) == 0:  # now and then, one field spoiled
        shape[draw(st.sampled_from(sorted(FIELDS)))] = draw(VALUES)
    return shape


def typed(value: object) -> object:
    """Return `value` with the type of every part spelled out, so 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, repr(value))


def user() -> UserState:
    """A user with an identity, a segment and a float trait, as a page would set them."""
    state = UserState(MemoryStorage(), new_id=lambda: "s-1", may_persist=lambda: True)
    state.add_identity("ecommerceId", "c-1")
    state.add_segment("vip")
    state.add_trait("score", 4.5)
    return state


VIEW = {
    "action": "view",
    "target": {"product": "p-1", "pathToPage": "/p/1"},
    "metadata": {"price": 1999, "quantity": 1, "currency": "EUR"},
}


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(likely_valid(), activities()))
@example(VIEW)
@example({**VIEW, "metadata": {"price": 19.99, "tags": ["a", 2, 2.5, True]}, "extra": None})
@example({**VIEW, "metadata": {"price": 10.0}})
@example({**VIEW, "timestamp": "2024-05-01T12:00:00Z", "opposite": True, "segments": ["s"]})
def test_fast_activity_matches_the_models(obj: object) -> None:
    """The fast path's copy equals the models' wire form, types and key order included."""
    fast = fast_activity(obj)
    try:
        expected = to_wire(parse_activity(obj))
    except ValidationError:
        assert fast is None
        return
    if fast is None:
        return
    wire, plain = fast
    assert typed(wire) == typed(expected)
    if plain:
        assert compact(wire) == dumps(expected)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(likely_valid(), activities(), st.lists(likely_valid(), max_size=3)))
@example(VIEW)
@example([VIEW, {**VIEW, "action": ""}])
@example({**VIEW, "user": {"identities": {"crmid": "c"}, "segments": [], "traits": {"x": 1.5}}})
@example([{**VIEW, "user": {"identities": {}, "segments": ["a@b.example"], "traits": {}}}, {}])
@example({**VIEW, "user": {"identities": {}, "segments": ["a@b.example"], "traits": {}}})
@example({**VIEW, "target": {"product": "é" * 2048 * 0 + "x" * 2048}, "blob": "y" * 2048})
def test_prepare_batch_matches_the_full_validation(obj: object) -> None:
    """prepare_batch returns what prepare_validated returns, or raises the same error."""
    assert outcome(prepare_batch, obj) == outcome(prepare_validated, obj)


def outcome(prepare: Callable[[object, UserState], Any], obj: object) -> object:
    """Return what `prepare` makes of `obj` (types spelled out), or the error it raises."""
    try:
        batch, encoded = prepare(obj, user())
    except ValidationError as error:
        return ("error", error.field, str(error))
    return typed(batch), encoded


def test_an_oversized_activity_takes_the_full_path_and_its_error() -> None:
    """An activity over 64 KiB once encoded with its user is refused naming it, as before."""
    big = {**VIEW, "target": {f"k{i}": "x" * 2000 for i in range(40)}}
    assert fast_activity(big) is not None  # valid in shape: only its size is wrong
    for prepare in (prepare_batch, prepare_validated):
        with pytest.raises(ValidationError, match="bytes once serialized"):
            prepare(big, user())


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_plain_floats_are_written_alike_by_repr_and_javascript(number: float) -> None:
    """A float `plain_float` accepts is encoded by the C encoder exactly as `dumps` does."""
    if plain_float(number):
        assert compact([number]) == dumps([number])
