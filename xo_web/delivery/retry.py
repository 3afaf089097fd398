"""Retry timing and caps: the retry policy, backoff with full jitter, and `Retry-After`.

Pure functions over numbers; the caller passes the random source and the current time, so the
rules are testable without sleeping. Times are seconds (epoch seconds for instants).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from email.utils import parsedate_to_datetime

from xo_web.core.ports import Random
from xo_web.errors import ConfigError

RETRY_BASE_S = 1.0
RETRY_CAP_S = 300.0
MAX_ATTEMPTS = 12
MAX_AGE_S = 24 * 3600.0
MAX_ENTRIES = 1000  # entries (keys) persisted; each holds up to MAX_BATCH_SIZE activities
MAX_BYTES = 2 * 1024 * 1024  # UTF-8 bytes persisted (localStorage holds about 5 M characters)
MAX_ACTIVITIES = 10_000  # activities held in all (persisted and in memory) before eviction
MAX_MEMORY_BYTES = 8 * 1024 * 1024  # UTF-8 bytes held in memory only, beyond what is persisted
MAX_RETRY_AFTER_S = 3600.0


@dataclass(frozen=True)
class RetryPolicy:
    """How the outbox retries and how much it may hold (init's `delivery` option).

    Caps: at most `max_entries` entries and `max_bytes` UTF-8 bytes are persisted; what does
    not fit is kept in memory for this page (and persisted when room frees), up to
    `max_memory_bytes`; past that, or past `max_activities` activities in all, the oldest
    queued activities are evicted (reported and counted).

    Python names are snake_case; JavaScript page code may use the camelCase spelling of the
    same keys (`retryBaseS`, `retryCapS`, `maxAttempts`, `maxAgeS`, `maxEntries`, `maxBytes`,
    `maxActivities`, `maxMemoryBytes`, `maxRetryAfterS`).
    """

    retry_base_s: float = RETRY_BASE_S
    retry_cap_s: float = RETRY_CAP_S
    max_attempts: int = MAX_ATTEMPTS
    max_age_s: float = MAX_AGE_S
    max_entries: int = MAX_ENTRIES
    max_bytes: int = MAX_BYTES
    max_activities: int = MAX_ACTIVITIES
    max_memory_bytes: int = MAX_MEMORY_BYTES
    max_retry_after_s: float = MAX_RETRY_AFTER_S

    @classmethod
    def from_options(cls, options: "Mapping[str, object] | RetryPolicy | None") -> "RetryPolicy":
        """Build a policy from a mapping of snake_case or camelCase keys; ConfigError if bad."""
        if options is None:
            return cls()
        if isinstance(options, RetryPolicy):
            return options
        if not isinstance(options, Mapping):
            raise ConfigError(f"delivery must be a mapping, not {type(options).__name__}")
        names = {f.name: f.name for f in fields(cls)} | {
            _camel(f.name): f.name for f in fields(cls)
        }
        values: dict[str, float | int] = {}
        for key, value in options.items():
            name = names.get(key) if isinstance(key, str) else None
            if name is None:
                raise ConfigError(f"delivery does not know the option {key!r}")
            if value is None:
                continue
            values[name] = _check_option(name, value)
        if "retry_cap_s" not in values and values.get("retry_base_s", 0) > RETRY_CAP_S:
            values["retry_cap_s"] = values["retry_base_s"]  # a slow base lifts the default cap
        policy = cls(**values)  # type: ignore[arg-type]
        if policy.retry_cap_s < policy.retry_base_s:
            raise ConfigError("delivery.retry_cap_s must not be less than retry_base_s")
        return policy


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _check_option(name: str, value: object) -> float | int:
    integer = name in (
        "max_attempts",
        "max_entries",
        "max_bytes",
        "max_activities",
        "max_memory_bytes",
    )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"delivery.{name} must be a number, not {type(value).__name__}")
    if not math.isfinite(value) or value <= 0 or value > 10**9:
        raise ConfigError(f"delivery.{name} must be a positive finite number")
    if integer:
        if value != int(value):
            raise ConfigError(f"delivery.{name} must be a whole number")
        return int(value)
    return float(value)


def backoff_delay(attempt: int, policy: RetryPolicy, random: Random) -> float:
    """Return the wait before retry number `attempt` (1 = after the first failure).

    Full jitter: a uniform draw in [0, min(cap, base * 2 ** (attempt - 1))].
    """
    exponent = min(max(attempt - 1, 0), 60)
    ceiling = min(policy.retry_cap_s, policy.retry_base_s * 2.0**exponent)
    draw = random()
    if not math.isfinite(draw):
        draw = 1.0
    return ceiling * min(max(draw, 0.0), 1.0)


def parse_retry_after(value: str | None, now: float, *, max_s: float = MAX_RETRY_AFTER_S) -> float:
    """Return how many seconds `Retry-After` asks to wait, clamped to [0, max_s]; 0 if absent.

    The header is either delay-seconds (a non-negative integer) or an HTTP date.
    """
    if value is None:
        return 0.0
    text = value.strip()
    if not text or len(text) > 64:
        return 0.0
    if text.isdigit():
        return min(float(text[:12]), max_s)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return 0.0
    if when is None or when.tzinfo is None:
        return 0.0
    try:
        wait = when.timestamp() - now
    except (OverflowError, OSError, ValueError):
        return 0.0
    if not math.isfinite(wait):
        return 0.0
    return min(max(wait, 0.0), max_s)
