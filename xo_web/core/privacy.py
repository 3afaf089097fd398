"""The personal-data guard: keeps e-mail addresses and phone numbers out of the user object.

XO segments and traits describe a visitor ("gold", 45, True); contact details do not belong
there. The guard inspects every string of a user's segments, its trait values and any extra
key under `user` (nested values included); identities are ids by design and are not inspected.
It is a heuristic tuned to avoid false alarms on ordinary values: dates, decimals, grouped
thousands, SKUs and plain digit runs (order or loyalty numbers) are not phone numbers.
"""

import re
from collections.abc import Iterator, Mapping

from xo_web.errors import PersonalDataError
from xo_web.wire import join_field

GUARDED_PARTS = ("segments", "traits")
UNGUARDED_PARTS = ("identities",)
TURN_OFF_HINT = "(init() with personal_data_guard=False turns this check off)"

EMAIL_REASON = "an e-mail address"
PHONE_REASON = "a phone number"

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Only an optional "+", digits and the separators people put in phone numbers.
_PHONE_CHARS = re.compile(r"\+?[0-9 ()./-]+")
_SEPARATED_DATE = re.compile(r"\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2\d{4}")
_DECIMAL = re.compile(r"\d+\.\d+")
_THOUSANDS = re.compile(r"\d{1,3}([ .])\d{3}(?:\1\d{3})+")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15  # E.164


def looks_like_personal_data(value: object) -> str | None:
    """Return why `value` looks like personal data ("an e-mail address", ...), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _EMAIL.search(text):
        return EMAIL_REASON
    if _looks_like_phone(text):
        return PHONE_REASON
    return None


def _looks_like_phone(text: str) -> bool:
    if not _PHONE_CHARS.fullmatch(text):
        return False
    digits = sum(ch.isdigit() for ch in text)
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        return False
    if _SEPARATED_DATE.fullmatch(text) or _DECIMAL.fullmatch(text) or _THOUSANDS.fullmatch(text):
        return False
    if text.startswith(("+", "00")):
        return True
    # A bare digit run is more likely an order or loyalty number than a phone number.
    return not text.isdigit()


def personal_data_in(user: Mapping[str, object], field: str) -> Iterator[tuple[str, str]]:
    """Yield (dotted field, reason) for every value of a wire user that looks like personal
    data: its segments, its trait values and everything under its extra keys."""
    for key, value in user.items():
        if key in UNGUARDED_PARTS:
            continue
        yield from _scan(value, join_field(field, key), depth=0)


def guard_user(user: Mapping[str, object], *, field: str, prefix: str) -> None:
    """Raise PersonalDataError for the first value of `user` that looks like personal data."""
    for path, reason in personal_data_in(user, field):
        raise PersonalDataError(
            path,
            f"looks like {reason}; personal data must not be sent in the user object "
            + TURN_OFF_HINT,
            prefix=prefix,
        )


def _scan(value: object, path: str, depth: int) -> Iterator[tuple[str, str]]:
    if depth > 16:  # wire values are validated to far less; this only bounds the walk
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                yield from _scan(item, join_field(path, key), depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _scan(item, join_field(path, index), depth + 1)
    else:
        reason = looks_like_personal_data(value)
        if reason is not None:
            yield path, reason
