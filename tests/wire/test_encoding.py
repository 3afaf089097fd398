"""Byte-level wire format: JavaScript number formatting, key order, identity order."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.kit import run_send, sent, sent_user
from xo_web.tracker import Tracker
from xo_web.wire import dumps, js_number

# What String(x) gives in JavaScript (checked with node).
JS_STRINGS = {
    0.000001: "0.000001",
    1e16: "10000000000000000",
    10.0: "10",
    1e21: "1e+21",
    1e-7: "1e-7",
    19.99: "19.99",
    -5.0: "-5",
    5e-324: "5e-324",
    2.5e-5: "0.000025",
    1.5e300: "1.5e+300",
    -0.0: "0",
}


@pytest.mark.parametrize(("number", "expected"), list(JS_STRINGS.items()))
def test_floats_are_written_as_javascript_writes_them(number: float, expected: str) -> None:
    """``js_number`` matches JavaScript's ``String(number)``."""
    assert js_number(number) == expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_js_number_round_trips(number: float) -> None:
    """Whatever the float, its JS form parses back to the same value."""
    assert float(js_number(number)) == number or (number == 0 and math.copysign(1, number) < 0)


def test_non_finite_numbers_are_refused() -> None:
    """NaN has no JSON form; ``dumps`` refuses it instead of writing ``NaN``."""
    with pytest.raises(ValueError, match="nan"):
        dumps({"price": math.nan})


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_dumps_is_valid_compact_json(value: object) -> None:
    """Without floats, ``dumps`` equals compact ``json.dumps`` (and so parses back)."""
    assert dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def test_caller_key_order_is_kept_and_user_goes_last(tracker: Tracker, transport) -> None:
    """The activity's keys keep the caller's order, with ``user`` appended, as in the JS SDK."""
    run_send(tracker, {"target": {"p": "1"}, "campaign": "x", "action": "view"})
    [activity] = sent(transport.requests[0])
    assert list(activity) == ["target", "campaign", "action", "user"]


def test_set_user_identities_keeps_the_callers_order_with_session_id_last(
    tracker: Tracker, transport
) -> None:
    """``setUserIdentities`` without a session id appends it, like the JS SDK."""
    tracker.set_user_identities({"ecommerceId": "e-1", "crmId": "c-1"})
    run_send(tracker, {"action": "view", "target": {}})
    identities = sent_user(transport.requests[0])["identities"]
    assert isinstance(identities, dict)
    assert list(identities) == ["ecommerceid", "crmid", "sessionid"]


def test_added_identities_follow_the_session_id(tracker: Tracker, transport) -> None:
    """``addUserIdentity`` appends after the session id; replacing keeps the place."""
    tracker.add_user_identity("ecommerceId", "e-1")
    tracker.add_user_identity("sessionId", "site-7")
    run_send(tracker, {"action": "view", "target": {}})
    identities = sent_user(transport.requests[0])["identities"]
    assert isinstance(identities, dict)
    assert list(identities.items()) == [("sessionid", "site-7"), ("ecommerceid", "e-1")]
