"""Tests of the retry timing rules: the policy option, full-jitter backoff and Retry-After."""

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xo_web.delivery.retry import MAX_RETRY_AFTER_S, RetryPolicy, backoff_delay, parse_retry_after
from xo_web.errors import ConfigError

NOW = 1_800_000_000.0
POLICY = RetryPolicy()


@given(attempt=st.integers(1, 200), draw=st.floats(0, 1))
def test_backoff_stays_within_the_exponential_ceiling(attempt: int, draw: float) -> None:
    """A delay is between 0 and min(cap, base * 2 ** (attempt - 1))."""
    delay = backoff_delay(attempt, POLICY, lambda: draw)
    assert 0 <= delay <= min(POLICY.retry_cap_s, POLICY.retry_base_s * 2 ** (attempt - 1))


def test_backoff_doubles_with_each_attempt() -> None:
    """With the largest draw the ceilings are 1, 2, 4, 8 seconds."""
    assert [backoff_delay(n, POLICY, lambda: 1.0) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]


def test_backoff_is_capped() -> None:
    """Late attempts wait at most the cap (about five minutes)."""
    assert backoff_delay(40, POLICY, lambda: 1.0) == POLICY.retry_cap_s == 300.0


def test_backoff_jitter_is_full() -> None:
    """A zero draw gives no wait at all (full jitter, not equal jitter)."""
    assert backoff_delay(5, POLICY, lambda: 0.0) == 0.0


@pytest.mark.parametrize("draw", [float("nan"), float("inf"), -1.0, 7.0])
def test_backoff_survives_a_broken_random_source(draw: float) -> None:
    """Draws outside [0, 1] are clamped; the delay stays within the ceiling."""
    assert 0 <= backoff_delay(3, POLICY, lambda: draw) <= 4.0


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        (None, 0.0),
        ("", 0.0),
        ("0", 0.0),
        ("7", 7.0),
        (" 12 ", 12.0),
        ("99999999999999999999", MAX_RETRY_AFTER_S),
        ("-5", 0.0),
        ("1.5", 0.0),
        ("soon", 0.0),
        ("<script>", 0.0),
        ("x" * 1000, 0.0),
    ],
)
def test_retry_after_seconds(header: str | None, wait: float) -> None:
    """Delay-seconds are honoured and clamped; anything else means no pause."""
    assert parse_retry_after(header, NOW) == wait


def test_retry_after_http_date() -> None:
    """An HTTP date is turned into the seconds left until it."""
    when = format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True)
    assert parse_retry_after(when, NOW) == pytest.approx(30, abs=1)


def test_retry_after_past_date_is_no_pause() -> None:
    """A date in the past means the collector may be asked again now."""
    when = format_datetime(datetime.fromtimestamp(NOW - 30, UTC), usegmt=True)
    assert parse_retry_after(when, NOW) == 0.0


def test_retry_after_far_date_is_clamped() -> None:
    """A date years away pauses for the clamp at most."""
    assert parse_retry_after("Fri, 31 Dec 2100 23:59:59 GMT", NOW, max_s=60) == 60


def test_policy_accepts_snake_and_camel_case() -> None:
    """Python and JavaScript spellings of the keys both work."""
    policy = RetryPolicy.from_options({"retry_base_s": 0.5, "maxAttempts": 3, "maxBytes": 2048})
    assert (policy.retry_base_s, policy.max_attempts, policy.max_bytes) == (0.5, 3, 2048)


def test_policy_defaults() -> None:
    """Without options: base 1 s, cap 5 min, bounded attempts, age and size."""
    policy = RetryPolicy.from_options(None)
    assert (policy.retry_base_s, policy.retry_cap_s) == (1.0, 300.0)
    assert policy.max_attempts > 0
    assert policy.max_age_s > 0
    assert policy.max_entries > 0


@pytest.mark.parametrize(
    "options",
    [
        {"retryBase": 1},
        {"retry_base_s": "1"},
        {"retry_base_s": True},
        {"retry_base_s": float("nan")},
        {"retry_base_s": -1},
        {"max_attempts": 2.5},
        {"retry_base_s": 10, "retry_cap_s": 1},
        [("retry_base_s", 1)],
    ],
)
def test_policy_refuses_bad_options(options: object) -> None:
    """Unknown keys, wrong types and inconsistent values raise ConfigError."""
    with pytest.raises(ConfigError):
        RetryPolicy.from_options(options)  # type: ignore[arg-type]
