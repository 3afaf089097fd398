"""Tests of the wire-format models and their validation rules (xo_web.wire)."""

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xo_web.errors import ACTIVITY_FORMAT_MESSAGE, USER_FORMAT_MESSAGE, ValidationError
from xo_web.wire import (
    MAX_ACTIVITY_BYTES,
    MAX_BATCH_SIZE,
    Activity,
    Metadata,
    User,
    dumps,
    is_session_id,
    join_field,
    parse_activities,
    parse_activity,
    parse_identities,
    parse_segments,
    parse_text,
    parse_traits,
    parse_user,
    serialized_size,
    to_wire,
)
from xo_web.wire.rules import (
    MAX_IDENTITIES,
    MAX_KEY_LENGTH,
    MAX_METADATA_KEYS,
    MAX_NESTING,
    MAX_SEGMENTS,
    MAX_STRING_LENGTH,
    MAX_TARGET_KEYS,
    MAX_TRAITS,
    MAX_USER_BYTES,
)

LONE = "\ud800"
NAN = float("nan")
INF = float("inf")


def activity(**fields: Any) -> dict[str, Any]:
    """Return a valid view activity with `fields` added or replaced."""
    return {"action": "view", "target": {"product": "SKU-1"}, **fields}


def field_of(obj: object) -> str:
    """Return the field named by the ValidationError parse_activity raises for `obj`."""
    with pytest.raises(ValidationError) as caught:
        parse_activity(obj)
    return caught.value.field


# -- valid activities --------------------------------------------------------------------


def test_minimal_activity_is_accepted() -> None:
    """An action and a target are all an activity needs."""
    assert to_wire(parse_activity(activity())) == activity()


def test_target_may_be_empty() -> None:
    """An empty target is allowed (e.g. a page view)."""
    assert to_wire(parse_activity({"action": "view", "target": {}}))["target"] == {}


def test_full_activity_round_trips() -> None:
    """Every known field is kept as given."""
    full = activity(
        sourceId="home-carousel",
        opposite=True,
        segments=["vip", "new"],
        timestamp="2024-05-01T12:00:00.123Z",
        metadata={"price": 1999, "quantity": 2, "currency": "EUR", "orderId": "o-1"},
        user={"identities": {"sessionid": "s-1"}, "segments": ["a"], "traits": {"age": 45}},
    )
    assert to_wire(parse_activity(full)) == full


def test_unknown_keys_pass_through() -> None:
    """Unknown top-level keys are sent unchanged (the schema allows them)."""
    extra = {"custom": {"nested": [1, "two", None, True, {"deep": 1.5}]}}
    assert to_wire(parse_activity(activity(**extra)))["custom"] == extra["custom"]


def test_metadata_extra_values_pass_through() -> None:
    """Metadata accepts other keys with scalar or list values."""
    metadata = {"market": "nl", "brand": "acme", "sizes": [38, "M", True], "gift": False}
    assert to_wire(parse_activity(activity(metadata=metadata)))["metadata"] == metadata


def test_wire_key_order_is_the_callers() -> None:
    """to_wire keeps the keys in the given order, as the JS SDK's ``{...activity}`` does."""
    given_order = {"zeta": 1, "target": {}, "sourceId": "s", "action": "view", "alpha": 2}
    assert list(to_wire(parse_activity(given_order))) == [
        "zeta",
        "target",
        "sourceId",
        "action",
        "alpha",
    ]


def test_wire_keeps_metadata_key_order() -> None:
    """Metadata keys keep the order they were given in."""
    metadata = {"orderId": "o", "zz": 1, "price": 5}
    wire_metadata = to_wire(parse_activity(activity(metadata=metadata)))["metadata"]
    assert isinstance(wire_metadata, dict)
    assert list(wire_metadata) == [
        "orderId",
        "zz",
        "price",
    ]


def test_none_for_an_optional_field_means_absent() -> None:
    """An optional known field set to None is not sent, like undefined in JavaScript."""
    wire = to_wire(parse_activity(activity(sourceId=None, metadata=None, user=None)))
    assert wire == activity()


def test_none_in_an_unknown_key_is_kept() -> None:
    """An unknown key set to None is sent as null."""
    assert to_wire(parse_activity(activity(custom=None)))["custom"] is None


def test_only_given_keys_are_sent() -> None:
    """Defaults are never added to the wire."""
    assert set(to_wire(parse_activity(activity(opposite=False)))) == {
        "action",
        "target",
        "opposite",
    }


def test_identity_names_are_lower_cased() -> None:
    """Identity repository names go on the wire in lower case."""
    user = {"identities": {"SessionId": "s-1", "eCommerceId": "e-1"}}
    wire = to_wire(parse_activity(activity(user=user)))
    assert wire["user"] == {"identities": {"sessionid": "s-1", "ecommerceid": "e-1"}}


def test_integers_stay_integers() -> None:
    """Integer prices are not turned into floats."""
    wire = to_wire(parse_activity(activity(metadata={"price": 1999})))
    assert json.dumps(wire["metadata"]) == '{"price": 1999}'


def test_parse_does_not_keep_the_callers_objects() -> None:
    """Changing the input after parsing does not change the activity."""
    given = activity(segments=["a"], custom={"list": [1]})
    parsed = parse_activity(given)
    given["target"]["product"] = "changed"
    given["segments"].append("b")
    given["custom"]["list"].append(2)
    assert to_wire(parsed) == activity(segments=["a"], custom={"list": [1]})


def test_to_wire_returns_a_fresh_copy() -> None:
    """Changing a wire dict does not change the activity."""
    parsed = parse_activity(activity(custom={"a": [1]}))
    wire = to_wire(parsed)
    wire["target"]["product"] = "changed"  # type: ignore[index]
    wire["custom"]["a"].append(2)  # type: ignore[index]
    assert to_wire(parsed) == activity(custom={"a": [1]})


def test_an_activity_instance_is_accepted() -> None:
    """parse_activity accepts an Activity and returns an equal copy."""
    original = parse_activity(activity(custom=1))
    again = parse_activity(original)
    assert again is not original
    assert to_wire(again) == to_wire(original)


def test_models_can_be_built_directly() -> None:
    """Activity, Metadata and User can be constructed in Python code."""
    built = Activity(
        action="view",
        target={"product": "p"},
        metadata=Metadata(price=5),
        user=User(identities={"CRMId": "c"}),
    )
    assert to_wire(built) == {
        "action": "view",
        "target": {"product": "p"},
        "metadata": {"price": 5},
        "user": {"identities": {"crmid": "c"}},
    }


@pytest.mark.parametrize(
    "timestamp",
    [
        "2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00.123Z",
        "2024-05-01T12:00:00+02:00",
        "2024-05-01T12:00",
        "2024-05-01 12:00:00",
        "2024-02-29T00:00:00.123456789-0500",
    ],
)
def test_iso_timestamps_are_accepted(timestamp: str) -> None:
    """ISO 8601 date-times, with or without zone or fraction, are accepted."""
    assert to_wire(parse_activity(activity(timestamp=timestamp)))["timestamp"] == timestamp


@pytest.mark.parametrize("value", [0, -5, 12.5, 10**15])
def test_finite_numbers_are_accepted_as_price(value: float) -> None:
    """Any finite number is a price."""
    assert to_wire(parse_activity(activity(metadata={"price": value})))["metadata"] == {
        "price": value
    }


def test_a_uuid_is_a_session_id() -> None:
    """A UUID v4 is a well-formed session id."""
    assert is_session_id("2f1c8a3e-1b0c-4c5d-9e8f-0a1b2c3d4e5f")


@pytest.mark.parametrize(
    "value", ["", "-abc", "a b", "a" * 129, "<script>", "é", "abc\n", 123, None]
)
def test_malformed_session_ids(value: object) -> None:
    """Session ids are 1-128 of [A-Za-z0-9._:-], starting alphanumeric."""
    assert not is_session_id(value)


# -- invalid activities: each names its field ------------------------------------------


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"target": {}}, "action"),
        (activity(action=""), "action"),
        (activity(action="   "), "action"),
        (activity(action=1), "action"),
        (activity(action=None), "action"),
        (activity(action=["view"]), "action"),
        (activity(action="x" * (MAX_STRING_LENGTH + 1)), "action"),
        (activity(action=f"view{LONE}"), "action"),
        ({"action": "view"}, "target"),
        (activity(target=None), "target"),
        (activity(target=[]), "target"),
        (activity(target="SKU-1"), "target"),
        (activity(target={"product": {"id": "1"}}), "target.product"),
        (activity(target={"product": 1}), "target.product"),
        (activity(target={"product": True}), "target.product"),
        (activity(target={"product": None}), "target.product"),
        (activity(target={"product": ["1"]}), "target.product"),
        (activity(target={"product": ""}), "target.product"),
        (activity(target={"product": LONE}), "target.product"),
        (activity(target={"product": "x" * (MAX_STRING_LENGTH + 1)}), "target.product"),
        (activity(target={"": "x"}), "target"),
        (activity(target={1: "x"}), "target"),
        (activity(target={LONE: "x"}), "target"),
        (activity(target={"k" * (MAX_KEY_LENGTH + 1): "x"}), "target"),
        (activity(target={f"k{i}": "v" for i in range(MAX_TARGET_KEYS + 1)}), "target"),
        (activity(target={"product id": 1}), 'target["product id"]'),
        (activity(sourceId=""), "sourceId"),
        (activity(sourceId=5), "sourceId"),
        (activity(opposite="true"), "opposite"),
        (activity(opposite=1), "opposite"),
        (activity(segments="vip"), "segments"),
        (activity(segments=("vip",)), "segments"),
        (activity(segments=["vip", 1]), "segments[1]"),
        (activity(segments=[""]), "segments[0]"),
        (activity(segments=[f"s{i}" for i in range(MAX_SEGMENTS + 1)]), "segments"),
        (activity(timestamp="yesterday"), "timestamp"),
        (activity(timestamp="2024-05-01"), "timestamp"),
        (activity(timestamp="2024-13-01T00:00:00Z"), "timestamp"),
        (activity(timestamp="2023-02-29T00:00:00Z"), "timestamp"),
        (activity(timestamp=1714564800), "timestamp"),
        (activity(metadata=[]), "metadata"),
        (activity(metadata="cheap"), "metadata"),
        (activity(metadata={"price": "19.99"}), "metadata.price"),
        (activity(metadata={"price": True}), "metadata.price"),
        (activity(metadata={"price": NAN}), "metadata.price"),
        (activity(metadata={"price": INF}), "metadata.price"),
        (activity(metadata={"price": -INF}), "metadata.price"),
        (activity(metadata={"quantity": "1"}), "metadata.quantity"),
        (activity(metadata={"quantity": NAN}), "metadata.quantity"),
        (activity(metadata={"currency": "eur"}), "metadata.currency"),
        (activity(metadata={"currency": "EURO"}), "metadata.currency"),
        (activity(metadata={"currency": 978}), "metadata.currency"),
        (activity(metadata={"orderId": 123}), "metadata.orderId"),
        (activity(metadata={"orderId": ""}), "metadata.orderId"),
        (activity(metadata={"market": False}), "metadata.market"),
        (activity(metadata={"other": {"a": 1}}), "metadata.other"),
        (activity(metadata={"other": None}), "metadata.other"),
        (activity(metadata={"other": NAN}), "metadata.other"),
        (activity(metadata={"other": LONE}), "metadata.other"),
        (activity(metadata={"other": [1, [2]]}), "metadata.other[1]"),
        (activity(metadata={"other": [1, INF]}), "metadata.other[1]"),
        (activity(metadata={"other": list(range(201))}), "metadata.other"),
        (activity(metadata={f"k{i}": 1 for i in range(MAX_METADATA_KEYS + 1)}), "metadata"),
        (activity(metadata={2: 1}), "metadata"),
        (activity(user="me"), "user"),
        (activity(user={}), "user.identities"),
        (activity(user={"identities": []}), "user.identities"),
        (activity(user={"identities": {"crmid": ""}}), "user.identities.crmid"),
        (activity(user={"identities": {"crmid": 42}}), "user.identities.crmid"),
        (activity(user={"identities": {"": "x"}}), "user.identities"),
        (activity(user={"identities": {"sessionid": "bad id"}}), "user.identities.sessionid"),
        (activity(user={"identities": {"SessionId": "a", "sessionid": "b"}}), "user.identities"),
        (activity(user={"identities": {}, "segments": "vip"}), "user.segments"),
        (activity(user={"identities": {}, "traits": {"a": {"b": 1}}}), "user.traits.a"),
        (activity(user={"identities": {}, "traits": {"a": NAN}}), "user.traits.a"),
        (activity(user={"identities": {}, "traits": {"a": None}}), "user.traits.a"),
        (activity(custom=NAN), "custom"),
        (activity(custom={"a": [1, {"b": INF}]}), "custom.a[1].b"),
        (activity(custom={"a": LONE}), "custom.a"),
        (activity(custom={"a": {1: 2}}), "custom.a"),
        (activity(custom={1, 2}), "custom"),
        (activity(custom=b"bytes"), "custom"),
        (activity(**{LONE: 1}), ""),
        ({1: "x", "action": "view", "target": {}}, ""),
        ("view", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_invalid_activity_names_the_field(obj: object, field: str) -> None:
    """Each malformed activity is refused with a ValidationError naming the offending field."""
    assert field_of(obj) == field


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    """Unknown keys may nest only MAX_NESTING levels deep."""
    deep: object = 1
    for _ in range(MAX_NESTING + 2):
        deep = [deep]
    assert field_of(activity(custom=deep)).startswith("custom")


def test_oversized_activity_is_refused() -> None:
    """An activity whose JSON exceeds MAX_ACTIVITY_BYTES is refused as a whole."""
    target = {f"k{i}": "x" * MAX_STRING_LENGTH for i in range(40)}
    with pytest.raises(ValidationError, match=f"more than the {MAX_ACTIVITY_BYTES} allowed"):
        parse_activity(activity(target=target))


def test_error_message_starts_like_the_js_sdk() -> None:
    """The message starts with the JS SDK's sentence and then names the field."""
    with pytest.raises(ValidationError) as caught:
        parse_activity(activity(target={"product": 1}))
    assert str(caught.value) == (
        f"{ACTIVITY_FORMAT_MESSAGE} target.product: must be a string, not an integer"
    )


def test_error_reason_says_what_is_wrong() -> None:
    """The reason explains the rule that was broken."""
    with pytest.raises(ValidationError) as caught:
        parse_activity(activity(metadata={"price": NAN}))
    assert "finite" in caught.value.reason


def test_lone_surrogate_error_is_printable() -> None:
    """A message about a lone surrogate in a key can itself be encoded as UTF-8."""
    with pytest.raises(ValidationError) as caught:
        parse_activity(activity(target={LONE: "x"}))
    str(caught.value).encode("utf-8")


# -- lists of activities ------------------------------------------------------------------


def test_parse_activities_wraps_a_single_activity() -> None:
    """One activity becomes a list of one."""
    assert [to_wire(a) for a in parse_activities(activity())] == [activity()]


def test_parse_activities_accepts_a_list() -> None:
    """A list of activities is parsed in order."""
    parsed = parse_activities([activity(), activity(action="click")])
    assert [a.action for a in parsed] == ["view", "click"]


def test_parse_activities_refuses_an_empty_list() -> None:
    """send([]) is refused (the JS SDK posts an empty array)."""
    with pytest.raises(ValidationError, match="empty"):
        parse_activities([])


def test_parse_activities_refuses_too_many() -> None:
    """At most MAX_BATCH_SIZE activities go in one call."""
    with pytest.raises(ValidationError, match=str(MAX_BATCH_SIZE)):
        parse_activities([activity()] * (MAX_BATCH_SIZE + 1))


def test_list_error_names_the_index() -> None:
    """An error in a list names the activity's index."""
    with pytest.raises(ValidationError) as caught:
        parse_activities([activity(), activity(target={"product": 1})])
    assert caught.value.field == "[1].target.product"


def test_list_item_that_is_not_an_object_names_the_index() -> None:
    """A non-object in a list is refused at its index."""
    with pytest.raises(ValidationError) as caught:
        parse_activities([activity(), "click"])
    assert caught.value.field == "[1]"


def test_a_tuple_of_activities_is_refused() -> None:
    """Only a list is a list of activities."""
    with pytest.raises(ValidationError):
        parse_activities((activity(),))


# -- user parts ---------------------------------------------------------------------------


def test_parse_identities_lower_cases_and_copies() -> None:
    """parse_identities returns a new dict with lower-case names."""
    given = {"CRMid": "c"}
    parsed = parse_identities(given)
    assert parsed == {"crmid": "c"}
    assert parsed is not given


def test_parse_identities_refuses_too_many() -> None:
    """At most MAX_IDENTITIES identities."""
    with pytest.raises(ValidationError, match=str(MAX_IDENTITIES)):
        parse_identities({f"r{i}": "x" for i in range(MAX_IDENTITIES + 1)})


def test_user_errors_use_the_user_prefix() -> None:
    """The user parsers use USER_FORMAT_MESSAGE."""
    with pytest.raises(ValidationError) as caught:
        parse_traits({"a": NAN})
    assert str(caught.value).startswith(f"{USER_FORMAT_MESSAGE} user.traits.a:")


def test_parse_segments_refuses_non_lists() -> None:
    """Segments are a list."""
    with pytest.raises(ValidationError) as caught:
        parse_segments({"vip"})
    assert caught.value.field == "user.segments"


def test_parse_traits_refuses_too_many() -> None:
    """At most MAX_TRAITS traits."""
    with pytest.raises(ValidationError, match=str(MAX_TRAITS)):
        parse_traits({f"t{i}": i for i in range(MAX_TRAITS + 1)})


def test_parse_text_names_the_given_field() -> None:
    """parse_text reports the field it was given."""
    with pytest.raises(ValidationError) as caught:
        parse_text(3, field="user.segments")
    assert caught.value.field == "user.segments"


def test_parse_user_refuses_a_non_object() -> None:
    """A user is an object."""
    with pytest.raises(ValidationError) as caught:
        parse_user(["x"])
    assert caught.value.field == "user"


def test_parse_user_refuses_an_oversized_user() -> None:
    """A user whose JSON exceeds MAX_USER_BYTES is refused."""
    traits = {f"t{i}": "x" * 1000 for i in range(20)}
    with pytest.raises(ValidationError, match=str(MAX_USER_BYTES)):
        parse_user({"identities": {}, "traits": traits})


# -- helpers ------------------------------------------------------------------------------


def test_join_field_uses_dots_brackets_and_quotes() -> None:
    """Plain keys join with dots, indexes with brackets, odd keys are quoted."""
    assert join_field("user.traits", "a b", 0, "c") == 'user.traits["a b"][0].c'


def test_join_field_from_an_empty_prefix() -> None:
    """A path from the root has no leading dot."""
    assert join_field("", "target", "product") == "target.product"


def test_dumps_is_compact_and_keeps_unicode() -> None:
    """The wire serialization has no spaces and does not escape non-ASCII text."""
    assert dumps({"a": ["é", 1]}) == '{"a":["é",1]}'


def test_dumps_refuses_nan() -> None:
    """NaN can never reach the wire."""
    with pytest.raises(ValueError, match="JSON"):
        dumps([math.nan])


def test_serialized_size_counts_utf8_bytes() -> None:
    """serialized_size counts bytes, not characters."""
    assert serialized_size("é") == len('"é"'.encode())


# -- properties ---------------------------------------------------------------------------

texts = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=20
).filter(lambda s: s.strip() != "")
scalars = st.one_of(
    texts,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
valid_activities = st.fixed_dictionaries(
    {"action": texts, "target": st.dictionaries(texts, texts, max_size=5)},
    optional={
        "sourceId": texts,
        "opposite": st.booleans(),
        "segments": st.lists(texts, max_size=5),
        "metadata": st.dictionaries(
            texts.filter(lambda k: k not in ("price", "quantity", "currency", "orderId", "market")),
            st.one_of(scalars, st.lists(scalars, max_size=3)),
            max_size=5,
        ),
        "user": st.fixed_dictionaries(
            {
                "identities": st.dictionaries(
                    st.from_regex(r"[a-z]{1,8}", fullmatch=True).filter(lambda k: k != "sessionid"),
                    texts,
                    max_size=3,
                )
            },
            optional={"traits": st.dictionaries(texts, scalars, max_size=5)},
        ),
    },
)


@settings(max_examples=150)
@given(valid_activities)
def test_valid_activities_round_trip(obj: dict[str, Any]) -> None:
    """Any valid activity comes back from to_wire as given."""
    assert to_wire(parse_activity(obj)) == obj


@settings(max_examples=150)
@given(valid_activities)
def test_wire_is_always_json(obj: dict[str, Any]) -> None:
    """The wire form of any valid activity serializes as strict JSON with the same numbers."""
    wire = to_wire(parse_activity(obj))
    assert json.loads(dumps(wire), parse_int=float) == _ints_as_floats(wire)


def _ints_as_floats(value: Any) -> Any:
    """Numbers as floats: JS writes 1e16 as an integer literal, which is the same number."""
    if isinstance(value, dict):
        return {k: _ints_as_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints_as_floats(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


@given(st.sampled_from([NAN, INF, -INF]), st.sampled_from(["price", "quantity", "x"]))
def test_non_finite_metadata_is_always_refused(value: float, key: str) -> None:
    """NaN and Infinity are refused wherever they appear in metadata."""
    assert field_of(activity(metadata={key: value})) == f"metadata.{key}"


@given(st.text(min_size=0, max_size=5), st.integers(0xD800, 0xDFFF), st.text(max_size=5))
def test_lone_surrogates_in_target_are_refused(before: str, code: int, after: str) -> None:
    """A string holding a lone surrogate is never accepted."""
    assert field_of(activity(target={"p": before + chr(code) + after})) == "target.p"
