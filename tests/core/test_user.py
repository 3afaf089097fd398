"""Tests of the user object through the Tracker: identities, segments, traits, session id."""

import types
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import MakeTracker
from tests.kit import VIEW, nth_id, run_send, sent_user
from xo_web.core.keys import OPT_OUT_STORAGE_KEY, SESSION_STORAGE_KEY
from xo_web.core.user import UserState
from xo_web.errors import USER_FORMAT_MESSAGE, PersonalDataError, ValidationError
from xo_web.testing import (
    BrokenStorage,
    MemoryStorage,
    MockTransport,
    QuietEnvironment,
    QuotaStorage,
    SequentialIds,
)
from xo_web.tracker import Tracker
from xo_web.wire.rules import MAX_IDENTITIES, MAX_SEGMENTS, MAX_STRING_LENGTH, MAX_TRAITS

LONE = "\udc00"
STORED = "2f1c8a3e-1b0c-4c5d-9e8f-0a1b2c3d4e5f"


def identities(tracker: Tracker) -> dict[str, str]:
    """Return the tracker's identities."""
    value = tracker.user["identities"]
    assert isinstance(value, dict)
    return value


def assert_refused(
    tracker: Tracker,
    call: Callable[[], object],
    field: str,
    error: type[Exception] = ValidationError,
) -> None:
    """Assert that `call` raises `error` naming `field` and leaves the user unchanged."""
    before = tracker.user
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, ValidationError)
    assert caught.value.field == field
    assert str(caught.value).startswith(USER_FORMAT_MESSAGE)
    assert tracker.user == before


@pytest.fixture
def populated(tracker: Tracker) -> Tracker:
    """A tracker whose user has an identity, a segment and a trait."""
    tracker.add_user_identity("crmid", "c-1")
    tracker.add_user_segment("vip")
    tracker.add_user_trait("tier", "gold")
    return tracker


# -- the session id -----------------------------------------------------------------------


def test_session_id_is_created_and_stored(tracker: Tracker, storage: MemoryStorage) -> None:
    """On a first visit a UUID v4 is created at init and stored under attraqtsessionid."""
    assert storage.data[SESSION_STORAGE_KEY] == tracker.session_id == nth_id(1)


def test_session_id_is_reused_from_storage(
    make_tracker: MakeTracker, storage: MemoryStorage
) -> None:
    """A stored session id is used as is, across reloads."""
    storage.data[SESSION_STORAGE_KEY] = STORED
    assert make_tracker().session_id == STORED


def test_session_id_survives_a_reload(make_tracker: MakeTracker) -> None:
    """A second tracker over the same storage (a reload) has the same session id."""
    assert make_tracker().session_id == make_tracker().session_id


def test_a_non_uuid_well_formed_session_id_is_kept(
    make_tracker: MakeTracker, storage: MemoryStorage
) -> None:
    """Ids written by other SDK versions are kept if they are well formed."""
    storage.data[SESSION_STORAGE_KEY] = "abc.123:x-y_z"
    assert make_tracker().session_id == "abc.123:x-y_z"


@pytest.mark.parametrize(
    "stored", ["", "   ", "<script>alert(1)</script>", "a" * 129, "-abc", "has space", "ünï"]
)
def test_malformed_stored_session_id_is_replaced(
    make_tracker: MakeTracker, storage: MemoryStorage, stored: str
) -> None:
    """A stored value that is not a well-formed id is replaced by a new UUID, also in storage."""
    storage.data[SESSION_STORAGE_KEY] = stored
    tracker = make_tracker()
    assert tracker.session_id == storage.data[SESSION_STORAGE_KEY] == nth_id(1)


def test_session_id_is_created_lazily_before_init(
    make_tracker: MakeTracker, storage: MemoryStorage
) -> None:
    """Before init nothing is stored until the session id is needed."""
    tracker = make_tracker(init=False)
    assert SESSION_STORAGE_KEY not in storage.data
    assert storage.data.get(SESSION_STORAGE_KEY) is None
    assert tracker.session_id == storage.data[SESSION_STORAGE_KEY]


def test_session_id_is_not_stored_while_opted_out(
    make_tracker: MakeTracker, storage: MemoryStorage
) -> None:
    """While opted out the session id lives in memory only (the JS SDK writes it anyway)."""
    storage.data[OPT_OUT_STORAGE_KEY] = "true"
    tracker = make_tracker()
    assert tracker.session_id == nth_id(1)
    assert SESSION_STORAGE_KEY not in storage.data


def test_session_id_is_not_stored_when_tracking_is_refused(
    make_tracker: MakeTracker, storage: MemoryStorage, environment: QuietEnvironment
) -> None:
    """With Do-Not-Track or GPC on, the session id is not written."""
    environment.refused = True
    assert make_tracker().session_id == nth_id(1)
    assert SESSION_STORAGE_KEY not in storage.data


def test_malformed_session_id_is_removed_even_while_opted_out(
    make_tracker: MakeTracker, storage: MemoryStorage
) -> None:
    """Removing a bad stored value is always allowed; writing the new one is not."""
    storage.data.update({OPT_OUT_STORAGE_KEY: "true", SESSION_STORAGE_KEY: "bad id"})
    make_tracker()
    assert SESSION_STORAGE_KEY not in storage.data


def test_the_session_id_is_an_identity(tracker: Tracker) -> None:
    """The user's identities always hold the session id under "sessionid"."""
    assert identities(tracker) == {"sessionid": tracker.session_id}


# -- identities ---------------------------------------------------------------------------


def test_add_user_identity_lower_cases_the_repository(tracker: Tracker) -> None:
    """Repository names are case-insensitive and stored lower case."""
    tracker.add_user_identity("eCommerceId", "e-1")
    assert identities(tracker)["ecommerceid"] == "e-1"


def test_add_user_identity_replaces_same_repository_in_any_case(tracker: Tracker) -> None:
    """Adding CRMID after crmid replaces it."""
    tracker.add_user_identity("crmid", "old")
    tracker.add_user_identity("CRMID", "new")
    assert identities(tracker) == {"sessionid": nth_id(1), "crmid": "new"}


def test_add_user_identity_session_id_replaces_the_session(
    tracker: Tracker, storage: MemoryStorage
) -> None:
    """addUserIdentity('sessionId', x) replaces the session id and stores it; never two."""
    tracker.add_user_identity("sessionId", "my-session")
    assert identities(tracker) == {"sessionid": "my-session"}
    assert storage.data[SESSION_STORAGE_KEY] == "my-session"
    assert tracker.session_id == "my-session"


def test_set_user_identities_with_session_id_keeps_exactly_one(
    tracker: Tracker, storage: MemoryStorage
) -> None:
    """setUserIdentities({'SessionId': x}) gives one sessionid, x, and stores it."""
    tracker.set_user_identities({"SessionId": "given", "crmid": "c"})
    assert identities(tracker) == {"sessionid": "given", "crmid": "c"}
    assert storage.data[SESSION_STORAGE_KEY] == "given"


def test_set_user_identities_without_session_id_keeps_the_current_one(tracker: Tracker) -> None:
    """Replacing identities without a sessionid keeps the current session id."""
    tracker.add_user_identity("old", "o")
    tracker.set_user_identities({"crmid": "c"})
    assert identities(tracker) == {"sessionid": nth_id(1), "crmid": "c"}


def test_set_user_identities_accepts_any_mapping(tracker: Tracker) -> None:
    """A read-only mapping works like a dict."""
    tracker.set_user_identities(types.MappingProxyType({"crmid": "c"}))
    assert identities(tracker)["crmid"] == "c"


def test_session_id_given_twice_in_different_case_is_refused(tracker: Tracker) -> None:
    """{'sessionid': a, 'SessionId': b} is ambiguous and refused."""
    assert_refused(
        tracker,
        lambda: tracker.set_user_identities({"sessionid": "a", "SessionId": "b"}),
        "user.identities",
    )


@pytest.mark.parametrize(
    ("repository", "identity", "field"),
    [
        ("", "x", "user.identities"),
        ("  ", "x", "user.identities"),
        ("crmid", "", "user.identities.crmid"),
        ("crmid", 5, "user.identities.crmid"),
        ("crmid", None, "user.identities.crmid"),
        ("crmid", ["x"], "user.identities.crmid"),
        ("crmid", LONE, "user.identities.crmid"),
        ("crmid", "x" * (MAX_STRING_LENGTH + 1), "user.identities.crmid"),
        (5, "x", "user.identities"),
        (None, "x", "user.identities"),
        (["crmid"], "x", "user.identities"),
        (LONE, "x", "user.identities"),
        ("sessionid", "not a session id", "user.identities.sessionid"),
        ("SessionId", "", "user.identities.sessionid"),
    ],
)
def test_add_user_identity_refuses_bad_input(
    populated: Tracker, repository: Any, identity: Any, field: str
) -> None:
    """Bad repository names or ids are refused, naming the field, with the user unchanged."""
    assert_refused(populated, lambda: populated.add_user_identity(repository, identity), field)


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        ("crmid", "user.identities"),
        ([("crmid", "c")], "user.identities"),
        (None, "user.identities"),
        ({"crmid": {"id": "c"}}, "user.identities.crmid"),
        ({"crmid": ""}, "user.identities.crmid"),
        ({"crmid": float("nan")}, "user.identities.crmid"),
        ({"": "c"}, "user.identities"),
        ({1: "c"}, "user.identities"),
    ],
)
def test_set_user_identities_refuses_bad_input(
    populated: Tracker, mapping: Any, field: str
) -> None:
    """A malformed identities mapping changes nothing."""
    assert_refused(populated, lambda: populated.set_user_identities(mapping), field)


def test_too_many_identities_are_refused(tracker: Tracker) -> None:
    """At most MAX_IDENTITIES identities, the session id included."""
    for index in range(MAX_IDENTITIES - 1):
        tracker.add_user_identity(f"repo{index}", "x")
    assert_refused(tracker, lambda: tracker.add_user_identity("onemore", "x"), "user.identities")


def test_a_refused_session_id_is_not_stored(tracker: Tracker, storage: MemoryStorage) -> None:
    """A rejected session id never reaches storage."""
    with pytest.raises(ValidationError):
        tracker.add_user_identity("sessionid", "bad id")
    assert storage.data[SESSION_STORAGE_KEY] == nth_id(1)


# -- segments -----------------------------------------------------------------------------


def test_add_user_segment_appends_in_order(tracker: Tracker) -> None:
    """Segments keep the order they were added in."""
    tracker.add_user_segment("b")
    tracker.add_user_segment("a")
    assert tracker.user["segments"] == ["b", "a"]


def test_add_user_segment_ignores_duplicates(tracker: Tracker) -> None:
    """Adding a segment twice keeps one."""
    tracker.add_user_segment("vip")
    tracker.add_user_segment("vip")
    assert tracker.user["segments"] == ["vip"]


def test_set_user_segments_replaces_and_drops_duplicates(populated: Tracker) -> None:
    """setUserSegments replaces all segments; the first of duplicates wins."""
    populated.set_user_segments(["b", "a", "b"])
    assert populated.user["segments"] == ["b", "a"]


def test_set_user_segments_accepts_a_tuple(tracker: Tracker) -> None:
    """A tuple of segments works like a list."""
    tracker.set_user_segments(("a", "b"))
    assert tracker.user["segments"] == ["a", "b"]


def test_set_user_segments_to_empty(populated: Tracker) -> None:
    """An empty list removes all segments."""
    populated.set_user_segments([])
    assert populated.user["segments"] == []


@pytest.mark.parametrize("segment", ["", " ", 5, None, True, ["vip"], LONE, "x" * 2049])
def test_add_user_segment_refuses_bad_input(populated: Tracker, segment: Any) -> None:
    """A segment is a non-empty string."""
    assert_refused(populated, lambda: populated.add_user_segment(segment), "user.segments")


@pytest.mark.parametrize(
    ("segments", "field"),
    [
        ("vip", "user.segments"),
        ({"vip"}, "user.segments"),
        (None, "user.segments"),
        (["ok", 1], "user.segments[1]"),
        (["ok", ""], "user.segments[1]"),
        ([LONE], "user.segments[0]"),
        ([f"s{i}" for i in range(MAX_SEGMENTS + 1)], "user.segments"),
    ],
)
def test_set_user_segments_refuses_bad_input(populated: Tracker, segments: Any, field: str) -> None:
    """A malformed segment list changes nothing."""
    assert_refused(populated, lambda: populated.set_user_segments(segments), field)


def test_too_many_segments_by_adding_are_refused(tracker: Tracker) -> None:
    """add_user_segment beyond MAX_SEGMENTS is refused."""
    tracker.set_user_segments([f"s{i}" for i in range(MAX_SEGMENTS)])
    assert_refused(tracker, lambda: tracker.add_user_segment("more"), "user.segments")


# -- traits -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["gold", 45, 4.5, True, False, 0, ""])
def test_add_user_trait_accepts_scalars(tracker: Tracker, value: Any) -> None:
    """Traits may be strings, numbers or booleans (the JS SDK refuses numbers here)."""
    tracker.add_user_trait("t", value)
    assert tracker.user["traits"] == {"t": value}


def test_add_user_trait_keeps_booleans_boolean(tracker: Tracker) -> None:
    """True stays a boolean, not 1."""
    tracker.add_user_trait("buyer", True)
    assert tracker.user["traits"]["buyer"] is True


def test_add_user_trait_replaces_a_trait(tracker: Tracker) -> None:
    """Adding an existing trait replaces its value."""
    tracker.add_user_trait("age", 44)
    tracker.add_user_trait("age", 45)
    assert tracker.user["traits"] == {"age": 45}


def test_set_user_traits_replaces_all_traits(populated: Tracker) -> None:
    """setUserTraits replaces every trait."""
    populated.set_user_traits({"age": 45, "buyer": True})
    assert populated.user["traits"] == {"age": 45, "buyer": True}


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("t", float("nan"), "user.traits.t"),
        ("t", float("inf"), "user.traits.t"),
        ("t", None, "user.traits.t"),
        ("t", {"a": 1}, "user.traits.t"),
        ("t", [1], "user.traits.t"),
        ("t", LONE, "user.traits.t"),
        ("t", "x" * (MAX_STRING_LENGTH + 1), "user.traits.t"),
        ("", 1, "user.traits"),
        (5, 1, "user.traits"),
        (None, 1, "user.traits"),
    ],
)
def test_add_user_trait_refuses_bad_input(
    populated: Tracker, key: Any, value: Any, field: str
) -> None:
    """Bad trait names or values are refused with the user unchanged."""
    assert_refused(populated, lambda: populated.add_user_trait(key, value), field)


@pytest.mark.parametrize(
    ("traits", "field"),
    [
        (["age"], "user.traits"),
        ("age", "user.traits"),
        ({"age": float("-inf")}, "user.traits.age"),
        ({"ok": 1, "bad": {"x": 1}}, "user.traits.bad"),
        ({f"t{i}": i for i in range(MAX_TRAITS + 1)}, "user.traits"),
    ],
)
def test_set_user_traits_refuses_bad_input(populated: Tracker, traits: Any, field: str) -> None:
    """A malformed traits mapping changes nothing."""
    assert_refused(populated, lambda: populated.set_user_traits(traits), field)


@pytest.mark.parametrize("value", ["jane@example.com", "+44 20 7946 0958"])
def test_add_user_trait_refuses_personal_data(populated: Tracker, value: str) -> None:
    """A trait that looks like an e-mail address or phone number is refused."""
    assert_refused(
        populated,
        lambda: populated.add_user_trait("contact", value),
        "user.traits.contact",
        PersonalDataError,
    )


def test_set_user_traits_refuses_personal_data(populated: Tracker) -> None:
    """The guard covers setUserTraits, naming the trait."""
    assert_refused(
        populated,
        lambda: populated.set_user_traits({"age": 45, "email": "a@example.com"}),
        "user.traits.email",
        PersonalDataError,
    )


def test_personal_data_guard_can_be_turned_off(tracker: Tracker) -> None:
    """init(personal_data_guard=False) lets such traits through."""
    tracker.init("test-key", personal_data_guard=False)
    tracker.add_user_trait("email", "jane@example.com")
    assert tracker.user["traits"] == {"email": "jane@example.com"}


def test_personal_data_error_says_how_to_turn_it_off(tracker: Tracker) -> None:
    """The reason mentions the option."""
    with pytest.raises(PersonalDataError, match="personal_data_guard"):
        tracker.add_user_trait("email", "jane@example.com")


# -- set_user -----------------------------------------------------------------------------


def test_set_user_replaces_everything(populated: Tracker) -> None:
    """setUser replaces identities, segments and traits; the session id stays."""
    populated.set_user({"identities": {"CRMId": "c-2"}, "segments": ["new"], "traits": {"a": 1}})
    assert populated.user == {
        "identities": {"sessionid": nth_id(1), "crmid": "c-2"},
        "segments": ["new"],
        "traits": {"a": 1},
    }


def test_set_user_missing_parts_become_empty(populated: Tracker) -> None:
    """Every part is optional (the JS SDK demands segments); what is missing is emptied."""
    populated.set_user({"traits": {"a": 1}})
    assert populated.user == {
        "identities": {"sessionid": nth_id(1)},
        "segments": [],
        "traits": {"a": 1},
    }


def test_set_user_with_session_id_replaces_it(tracker: Tracker, storage: MemoryStorage) -> None:
    """A sessionid in setUser's identities becomes the session id."""
    tracker.set_user({"identities": {"SESSIONID": "s-9"}})
    assert identities(tracker) == {"sessionid": "s-9"}
    assert storage.data[SESSION_STORAGE_KEY] == "s-9"


def test_set_user_is_all_or_nothing(populated: Tracker) -> None:
    """A bad traits part leaves the valid identities and segments unapplied."""
    assert_refused(
        populated,
        lambda: populated.set_user(
            {"identities": {"crmid": "new"}, "segments": ["s"], "traits": {"x": float("nan")}}
        ),
        "user.traits.x",
    )


def test_set_user_with_personal_data_is_all_or_nothing(populated: Tracker) -> None:
    """The personal-data guard runs before anything is applied."""
    assert_refused(
        populated,
        lambda: populated.set_user({"identities": {"crmid": "n"}, "traits": {"m": "a@b.co"}}),
        "user.traits.m",
        PersonalDataError,
    )


@pytest.mark.parametrize(
    ("user", "field"),
    [
        ("me", "user"),
        (None, "user"),
        ([], "user"),
        ({"identity": {}}, "user.identity"),
        ({"identities": "crmid"}, "user.identities"),
        ({"segments": [1]}, "user.segments[0]"),
        ({"traits": [("a", 1)]}, "user.traits"),
        ({1: {}}, "user"),
    ],
)
def test_set_user_refuses_bad_input(populated: Tracker, user: Any, field: str) -> None:
    """A malformed user changes nothing."""
    assert_refused(populated, lambda: populated.set_user(user), field)


def test_an_oversized_user_is_refused(tracker: Tracker) -> None:
    """A user that would make every activity too large is refused at the setter."""
    traits = {f"t{i}": "x" * 1000 for i in range(20)}
    assert_refused(tracker, lambda: tracker.set_user_traits(traits), "user")


# -- clear_user ---------------------------------------------------------------------------


def test_clear_user_empties_the_user(populated: Tracker) -> None:
    """clearUser removes identities, segments and traits."""
    populated.clear_user()
    assert populated.user == {"identities": {"sessionid": nth_id(2)}, "segments": [], "traits": {}}


def test_clear_user_starts_a_new_stored_session(tracker: Tracker, storage: MemoryStorage) -> None:
    """clearUser replaces the session id, in memory and in storage."""
    tracker.clear_user()
    assert tracker.session_id == storage.data[SESSION_STORAGE_KEY] == nth_id(2)


def test_clear_user_while_opted_out_stores_nothing(
    tracker: Tracker, storage: MemoryStorage
) -> None:
    """After clearUser while opted out, no session id is left in storage."""
    tracker.opt_out()
    tracker.clear_user()
    assert SESSION_STORAGE_KEY not in storage.data
    assert tracker.session_id == nth_id(2)


# -- copies -------------------------------------------------------------------------------


def test_set_user_traits_copies_its_input(tracker: Tracker) -> None:
    """Changing the caller's dict afterwards does not change the user."""
    traits: dict[str, Any] = {"age": 45}
    tracker.set_user_traits(traits)
    traits["age"] = 99
    assert tracker.user["traits"] == {"age": 45}


def test_set_user_segments_copies_its_input(tracker: Tracker) -> None:
    """Changing the caller's list afterwards does not change the user."""
    segments = ["a"]
    tracker.set_user_segments(segments)
    segments.append("b")
    assert tracker.user["segments"] == ["a"]


def test_set_user_identities_copies_its_input(tracker: Tracker) -> None:
    """Changing the caller's identities afterwards does not change the user."""
    given = {"crmid": "c"}
    tracker.set_user_identities(given)
    given["crmid"] = "changed"
    assert identities(tracker)["crmid"] == "c"


def test_set_user_copies_nested_input(tracker: Tracker) -> None:
    """Changing the caller's nested objects afterwards does not change the user."""
    user: dict[str, Any] = {"identities": {"crmid": "c"}, "segments": ["a"], "traits": {"t": 1}}
    tracker.set_user(user)
    user["identities"]["crmid"] = "x"
    user["segments"].append("b")
    user["traits"]["t"] = 2
    assert tracker.user == {
        "identities": {"sessionid": nth_id(1), "crmid": "c"},
        "segments": ["a"],
        "traits": {"t": 1},
    }


def test_user_view_is_a_copy(populated: Tracker) -> None:
    """Changing the returned user does not change the tracker's."""
    view = populated.user
    view["identities"]["sessionid"] = "hacked"
    view["segments"].append("x")
    view["traits"]["y"] = 1
    assert populated.user == {
        "identities": {"sessionid": nth_id(1), "crmid": "c-1"},
        "segments": ["vip"],
        "traits": {"tier": "gold"},
    }


# -- storage that fails -------------------------------------------------------------------


def test_broken_storage_still_tracks(make_tracker: MakeTracker, transport: MockTransport) -> None:
    """With storage unavailable the SDK works from memory and still sends."""
    tracker = make_tracker(store=BrokenStorage())
    tracker.add_user_trait("age", 45)
    assert run_send(tracker, VIEW) is not None
    assert sent_user(transport.requests[0])["identities"] == {"sessionid": nth_id(1)}


def test_broken_storage_warns_once(
    make_tracker: MakeTracker, environment: QuietEnvironment
) -> None:
    """The console gets one warning however many storage calls fail."""
    tracker = make_tracker(store=BrokenStorage())
    tracker.opt_out()
    tracker.opt_in()
    tracker.clear_user()
    assert len(environment.warnings) == 1
    assert "storage" in environment.warnings[0]


def test_broken_storage_keeps_the_session_id_stable(make_tracker: MakeTracker) -> None:
    """Without storage the session id still stays the same for the page."""
    tracker = make_tracker(store=BrokenStorage())
    assert tracker.session_id == tracker.session_id == nth_id(1)


def test_broken_storage_still_honours_opt_out(
    make_tracker: MakeTracker, transport: MockTransport
) -> None:
    """An opt-out that cannot be stored is kept in memory and honoured."""
    tracker = make_tracker(store=BrokenStorage())
    tracker.opt_out()
    assert run_send(tracker, VIEW) is None
    assert transport.requests == []


def test_full_storage_keeps_the_opt_out(
    make_tracker: MakeTracker, transport: MockTransport, environment: QuietEnvironment
) -> None:
    """When the quota refuses the opt-out flag, it is still honoured, with one warning."""
    tracker = make_tracker(store=QuotaStorage(limit_bytes=120, data={"shop": "x" * 50}))
    tracker.opt_out()
    assert tracker.is_opted_out
    assert run_send(tracker, VIEW) is None
    assert len(environment.warnings) == 1


def test_storage_returning_garbage_is_ignored(make_tracker: MakeTracker) -> None:
    """A non-string read from storage counts as absent."""

    class OddStorage(MemoryStorage):
        def get(self, key: str) -> Any:
            return 12345

    assert make_tracker(store=OddStorage()).session_id == nth_id(1)


# -- UserState directly -------------------------------------------------------------------


def test_user_state_asks_before_persisting() -> None:
    """UserState writes the session id only when may_persist() says so."""
    storage = MemoryStorage()
    allowed = False
    state = UserState(storage, new_id=SequentialIds(), may_persist=lambda: allowed)
    state.persist_session()
    assert storage.data == {}
    allowed = True
    state.persist_session()
    assert storage.data == {SESSION_STORAGE_KEY: nth_id(1)}


# -- properties ---------------------------------------------------------------------------

SESSION_NAMES = st.sampled_from(["sessionid", "sessionId", "SessionId", "SESSIONID", "SessionID"])
OTHER_NAMES = st.sampled_from(["crmid", "CRMId", "ecommerceid", "eCommerceId", "loyalty"])
NAMES = st.one_of(SESSION_NAMES, OTHER_NAMES)
IDS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), NAMES, IDS),
        st.tuples(st.just("set"), st.dictionaries(NAMES, IDS, max_size=4)),
        st.tuples(st.just("user"), st.dictionaries(NAMES, IDS, max_size=4)),
        st.tuples(st.just("clear")),
    ),
    max_size=12,
)


def apply(tracker: Tracker, operation: tuple[Any, ...]) -> None:
    """Apply one generated identity operation, ignoring the ones validation refuses."""
    kind = operation[0]
    try:
        if kind == "add":
            tracker.add_user_identity(operation[1], operation[2])
        elif kind == "set":
            tracker.set_user_identities(operation[1])
        elif kind == "user":
            tracker.set_user({"identities": operation[1]})
        else:
            tracker.clear_user()
    except ValidationError:
        pass  # e.g. the same repository in two casings: refused, and the user unchanged


@settings(max_examples=200)
@given(OPERATIONS)
def test_any_identity_calls_leave_exactly_one_session_id(operations: list[Any]) -> None:
    """Whatever identity calls are made, the user holds one lower-case sessionid, stored."""
    storage = MemoryStorage()
    transport = MockTransport()
    tracker = Tracker(storage, transport, environment=QuietEnvironment(), new_id=SequentialIds())
    tracker.init("k")
    for operation in operations:
        apply(tracker, operation)
    names = list(identities(tracker))
    assert [n.lower() for n in names].count("sessionid") == 1
    assert all(name == name.lower() for name in names)
    assert (
        identities(tracker)["sessionid"] == tracker.session_id == storage.data[SESSION_STORAGE_KEY]
    )
    run_send(tracker, VIEW)
    wire_identities = sent_user(transport.requests[0])["identities"]
    assert isinstance(wire_identities, dict)
    wire_names = list(wire_identities)
    assert [n.lower() for n in wire_names].count("sessionid") == 1


@settings(max_examples=100)
@given(st.dictionaries(OTHER_NAMES, st.one_of(IDS, st.integers(), st.none()), max_size=4))
def test_a_refused_call_never_changes_the_user(mapping: dict[str, Any]) -> None:
    """set_user_identities either applies the whole mapping or changes nothing."""
    tracker = Tracker(MemoryStorage(), MockTransport(), environment=QuietEnvironment())
    tracker.add_user_identity("crmid", "before")
    before = tracker.user
    try:
        tracker.set_user_identities(mapping)
    except ValidationError:
        assert tracker.user == before
    else:
        assert identities(tracker) == {
            "sessionid": before["identities"]["sessionid"],
            **{k.lower(): v for k, v in mapping.items()},
        }
