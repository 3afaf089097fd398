"""The fast path of user validation gives exactly what the pydantic path gives, or defers.

Property-style, as tests/wire/test_fast.py does for activities: over many user shapes, valid
and invalid, each fast function either returns None (or False) or the same value — same keys
in the same order, same values of the same types — as the parsing function, which then
accepts the input too; and the user setters' results are the same with the validator
"not ready" (fast path or held) as with it.
"""

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xo_web.core.user import UserState
from xo_web.core.validation import FullValidationNeeded
from xo_web.errors import ValidationError
from xo_web.testing import MemoryStorage
from xo_web.wire import parse_identities, parse_segments, parse_text, parse_traits, parse_user
from xo_web.wire.fast_user import (
    fast_identities,
    fast_segments,
    fast_text,
    fast_traits,
    fast_user,
)
from xo_web.wire.rules import MAX_IDENTITIES


class Tagged(str):
    """A str subclass: the fast path leaves it to the full validation."""


TEXTS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["", " ", "vip", "CRMID", "crmÏd", "İ", "x" * 2049, "k" * 257, "\ud800"]),
    st.builds(Tagged, st.text(min_size=1, max_size=3)),
)
SESSION_IDS = st.sampled_from(["abc-123", "bad id", "", "0f0e" * 40, "Ü-1"])
SCALARS = st.one_of(
    TEXTS,
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)
NAMES = st.one_of(TEXTS, st.sampled_from(["sessionid", "SessionId", "crmid"]), st.integers(0, 2))
IDENTITIES = st.one_of(
    st.dictionaries(NAMES, st.one_of(TEXTS, SESSION_IDS, SCALARS), max_size=4),
    st.just({f"r{i}": "x" for i in range(MAX_IDENTITIES + 1)}),
    SCALARS,
)
SEGMENTS = st.one_of(st.lists(st.one_of(TEXTS, SCALARS), max_size=4), SCALARS)
TRAITS = st.one_of(
    st.dictionaries(st.one_of(TEXTS, st.integers(0, 2)), SCALARS, max_size=4),
    st.just({f"t{i}": "y" * 2000 for i in range(9)}),  # over the user's size limit
    SCALARS,
)


def full_or_error(parse: Any, value: object) -> tuple[str, object]:
    try:
        return "ok", parse(value)
    except ValidationError as error:
        return "error", str(error)


def same(fast: object, full: object) -> None:
    assert fast == full
    assert type(fast) is type(full)
    if isinstance(fast, dict) and isinstance(full, dict):
        assert list(fast) == list(full)
        for key in fast:
            assert type(fast[key]) is type(full[key])
    if isinstance(fast, list) and isinstance(full, list):
        assert [type(v) for v in fast] == [type(v) for v in full]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(IDENTITIES)
@example({"CRMID": "c-1", "SessionId": "abc-123"})
@example({"crm": "c", "CRM": "d"})
def test_fast_identities_equal_the_full_path_wherever_they_answer(value: object) -> None:
    """fast_identities returns None or exactly parse_identities' result."""
    fast = fast_identities(value)
    if fast is not None:
        kind, full = full_or_error(parse_identities, value)
        assert kind == "ok", full
        same(fast, full)


@settings(max_examples=300)
@given(SEGMENTS)
def test_fast_segments_equal_the_full_path_wherever_they_answer(value: object) -> None:
    """fast_segments returns None or exactly parse_segments' result."""
    fast = fast_segments(value)
    if fast is not None:
        kind, full = full_or_error(parse_segments, value)
        assert kind == "ok", full
        same(fast, full)


@settings(max_examples=400)
@given(TRAITS)
@example({"age": 45, "buyer": True, "score": 1.5, "name": ""})
def test_fast_traits_equal_the_full_path_wherever_they_answer(value: object) -> None:
    """fast_traits returns None or exactly parse_traits' result."""
    fast = fast_traits(value)
    if fast is not None:
        kind, full = full_or_error(parse_traits, value)
        assert kind == "ok", full
        same(fast, full)


@given(TEXTS)
def test_fast_text_equals_the_full_path_wherever_it_answers(value: object) -> None:
    """fast_text returns None or exactly parse_text's result."""
    fast = fast_text(value)
    if fast is not None:
        kind, full = full_or_error(lambda v: parse_text(v, field="user.segments"), value)
        assert kind == "ok", full
        same(fast, full)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(IDENTITIES, SEGMENTS, TRAITS)
@example({"sessionid": "abc-123"}, ["vip"], {f"t{i}": "y" * 2000 for i in range(9)})
def test_fast_user_accepts_only_what_parse_user_accepts(
    identities: object, segments: object, traits: object
) -> None:
    """fast_user says True only for a user parse_user accepts (size limit included)."""
    user = {"identities": identities, "segments": segments, "traits": traits}
    if fast_user(user):
        kind, full = full_or_error(parse_user, user)
        assert kind == "ok", full


CALLS = st.lists(
    st.one_of(
        st.tuples(st.just("add_identity"), NAMES, st.one_of(TEXTS, SESSION_IDS)),
        st.tuples(st.just("set_identities"), IDENTITIES),
        st.tuples(st.just("add_segment"), TEXTS),
        st.tuples(st.just("set_segments"), SEGMENTS),
        st.tuples(st.just("add_trait"), TEXTS, SCALARS),
        st.tuples(st.just("set_traits"), TRAITS),
        st.tuples(
            st.just("set_user"),
            st.fixed_dictionaries({}, optional={"segments": SEGMENTS, "traits": TRAITS}),
        ),
    ),
    max_size=5,
)


def outcome(user: UserState, name: str, args: list[Any]) -> object:
    try:
        getattr(user, name)(*args)
    except (TypeError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def user_after(calls: list[tuple[Any, ...]], *, ready: bool) -> list[object]:
    """Each call's result (None or its error), then the final user; a call that needs the
    full validator before it is ready runs once it is (as the Tracker's held call does)."""
    user = UserState(MemoryStorage(), new_id=lambda: "s-1", may_persist=lambda: True)
    user.full_ready = lambda: ready
    results: list[object] = []
    for name, *args in calls:
        try:
            results.append(outcome(user, name, args))
        except FullValidationNeeded:
            user.full_ready = lambda: True  # loaded: the held call runs now, as it would have
            results.append(outcome(user, name, args))
            user.full_ready = lambda: ready  # (a fresh page would not have it yet)
    return [*results, user.snapshot()]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(CALLS)
def test_the_setters_end_with_the_same_user_whichever_path_they_take(
    calls: list[tuple[Any, ...]],
) -> None:
    """With the validator not ready, every setter ends as with it: same user, same errors."""
    assert user_after(calls, ready=False) == user_after(calls, ready=True)
