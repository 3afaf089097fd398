"""The personal-data guard: spots trait values that look like e-mail addresses or phone numbers.

XO traits describe a visitor ("gold", 45, True); contact details do not belong there. The guard
is a heuristic tuned to avoid false alarms on ordinary values: only strings are inspected, and
dates, decimals, grouped thousands, SKUs and plain digit runs (order or loyalty numbers) are not
phone numbers.
"""

import re

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
