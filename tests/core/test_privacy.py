"""Tests of the personal-data guard heuristic in xo_web.privacy."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xo_web.core.privacy import EMAIL_REASON, PHONE_REASON, looks_like_personal_data


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
