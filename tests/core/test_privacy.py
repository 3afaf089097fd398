"""Tests of the personal-data guard: its heuristic, and what it covers in the user object."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.kit import TRACKER_KEY
from xo_web.core.privacy import EMAIL_REASON, PHONE_REASON, looks_like_personal_data
from xo_web.errors import PersonalDataError
from xo_web.testing import MockTransport, QuietEnvironment
from xo_web.tracker import Tracker


@pytest.mark.parametrize(
    "value",
    [
        "jane@example.com",
        "JANE.DOE+shop@mail.example.co.uk",
        " jane@example.com ",
        "Jane Doe <jane@example.com>",
        "o'neil@example.ie",
    ],
)
def test_email_addresses_are_flagged(value: str) -> None:
    """Strings holding an e-mail address are personal data."""
    assert looks_like_personal_data(value) == EMAIL_REASON


@pytest.mark.parametrize(
    "value",
    [
        "+44 20 7946 0958",
        "+1 (555) 123-4567",
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "06 12 34 56 78",
        "0031612345678",
        "+31612345678",
    ],
)
def test_phone_numbers_are_flagged(value: str) -> None:
    """Digits with a leading + or phone separators, 7 to 15 of them, are a phone number."""
    assert looks_like_personal_data(value) == PHONE_REASON


@pytest.mark.parametrize(
    "value",
    [
        "gold",
        "2024-01-01",
        "01/02/2024",
        "2024.01.01",
        "SKU-1234",
        "12345678",
        "1234567.89",
        "1 000 000",
        "1.000.000",
        "123-45",
        "+123456",
        "jane@localhost",
        "@handle",
        "",
        "12:30:45",
        "1234567890123456789",
    ],
)
def test_ordinary_strings_are_not_flagged(value: str) -> None:
    """Dates, SKUs, decimals, short numbers and digit runs are not personal data."""
    assert looks_like_personal_data(value) is None


@pytest.mark.parametrize("value", [45, 612345678, 3.5, True, False, None, ["a@b.com"]])
def test_non_strings_are_never_flagged(value: object) -> None:
    """Numbers, booleans and other non-strings are never personal data."""
    assert looks_like_personal_data(value) is None


@given(st.one_of(st.integers(), st.floats(), st.booleans()))
def test_any_number_or_boolean_is_not_personal_data(value: object) -> None:
    """No number or boolean is ever flagged."""
    assert looks_like_personal_data(value) is None


@given(st.text())
def test_any_string_gets_an_answer(value: str) -> None:
    """Every string gets None or one of the two reasons, without raising."""
    assert looks_like_personal_data(value) in (None, EMAIL_REASON, PHONE_REASON)


def test_a_segment_that_looks_like_an_email_is_refused(tracker: Tracker) -> None:
    """The guard covers segments: an e-mail address is not a segment."""
    with pytest.raises(PersonalDataError) as caught:
        tracker.add_user_segment("jane@example.com")
    assert caught.value.field == "user.segments[0]"
    assert tracker.user["segments"] == []


def test_an_extra_user_key_with_a_phone_number_is_refused(
    tracker: Tracker, transport: MockTransport
) -> None:
    """The guard covers extra keys under an activity's own user, nested values included."""
    activity = {
        "action": "view",
        "target": {},
        "user": {"identities": {"crmid": "c-1"}, "contact": {"phones": ["+44 20 7946 0958"]}},
    }
    with pytest.raises(PersonalDataError) as caught:
        tracker.send(activity)
    assert caught.value.field == "user.contact.phones[0]"
    assert transport.requests == []


def test_an_activitys_own_segments_are_guarded(tracker: Tracker) -> None:
    """Segments of a caller-supplied user are checked like the tracker's own."""
    activity = {"action": "view", "target": {}, "user": {"identities": {}, "segments": ["a@b.io"]}}
    with pytest.raises(PersonalDataError):
        tracker.send(activity)


def test_identities_are_not_guarded(tracker: Tracker) -> None:
    """Identities are ids by design: an e-mail used as a CRM id is accepted."""
    tracker.add_user_identity("crmid", "jane@example.com")
    assert tracker.user["identities"]["crmid"] == "jane@example.com"


def test_personal_data_set_while_the_guard_was_off_is_removed_on_re_init(
    tracker: Tracker, environment: QuietEnvironment
) -> None:
    """Re-init with the guard on removes the segments and traits it would have refused."""
    tracker.init(TRACKER_KEY, personal_data_guard=False)
    tracker.set_user_traits({"email": "jane@example.com", "tier": "gold"})
    tracker.set_user_segments(["+44 20 7946 0958", "vip"])
    tracker.init(TRACKER_KEY, personal_data_guard=True)
    assert tracker.user["traits"] == {"tier": "gold"}
    assert tracker.user["segments"] == ["vip"]
    assert any("user.traits.email" in warning for warning in environment.warnings)
