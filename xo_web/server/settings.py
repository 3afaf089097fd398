"""How the server-side sender batches, leases, times out and retries (`Tracker(settings=…)`).

The defaults suit a production collector; tests shrink the times. Backoff reuses the browser's
rule (`xo_web.delivery.retry.backoff_delay`: full jitter under a cap) and `Retry-After` parsing.
"""

import math
from dataclasses import dataclass, fields

from xo_web.delivery.retry import RetryPolicy
from xo_web.errors import ConfigError
from xo_web.wire import MAX_BATCH_SIZE

DAY_S = 24 * 3600.0


@dataclass(frozen=True)
class SenderSettings:
    """The sender's knobs; every time is in seconds.

    - `batch_size`/`batch_bytes`: at most this many activities / UTF-8 bytes per request.
    - `lease_s`: how long a claimed batch is the claimer's; after that another sender may take
      it over (keep it well above `timeout_s`).
    - `poll_s`: how often an idle sender looks for work written by other processes.
    - `linger_s`: after a batch that was not full, the sender waits this long before it
      claims again, so activities recorded one by one go together (fewer requests and
      transactions, less CPU taken from the app's threads) at this much delivery latency.
    - `connect_timeout_s`/`timeout_s`: the HTTP client's connect and overall timeouts.
    - `retry_base_s`/`retry_cap_s`: capped exponential backoff with full jitter;
      `max_retry_after_s` caps what a `Retry-After` may ask.
    - `max_age_s`: an activity not delivered by then goes to the dead letters ("expired");
      `dead_retention_s`: dead letters older than this are deleted. `sweep_s`: how often.
    - `exit_timeout_s`: at interpreter exit, the time given to flushing and stopping.
    """

    batch_size: int = MAX_BATCH_SIZE
    batch_bytes: int = 512 * 1024
    lease_s: float = 60.0
    poll_s: float = 1.0
    linger_s: float = 0.005
    connect_timeout_s: float = 5.0
    timeout_s: float = 10.0
    retry_base_s: float = 1.0
    retry_cap_s: float = 300.0
    max_retry_after_s: float = 3600.0
    max_age_s: float = 7 * DAY_S
    dead_retention_s: float = 30 * DAY_S
    sweep_s: float = 60.0
    exit_timeout_s: float = 2.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"settings.{item.name} must be a number")
            if not math.isfinite(value) or value <= 0:
                raise ConfigError(f"settings.{item.name} must be a positive finite number")
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise ConfigError(f"settings.batch_size must be 1 to {MAX_BATCH_SIZE}")
        if self.retry_cap_s < self.retry_base_s:
            raise ConfigError("settings.retry_cap_s must not be less than retry_base_s")

    @property
    def retry_policy(self) -> RetryPolicy:
        """The browser's retry policy with these times, for `backoff_delay`."""
        return RetryPolicy(
            retry_base_s=self.retry_base_s,
            retry_cap_s=self.retry_cap_s,
            max_retry_after_s=self.max_retry_after_s,
        )


__all__ = ["SenderSettings"]
