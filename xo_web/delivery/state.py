"""What one tab's delivery is given and what it has seen: its ports, counters and health.

`DeliveryPorts` is what a Delivery needs from outside; the calls it makes through them must
not raise (the Tracker passes safe ones, xo_web.core.page). `DeliveryStats` counts activities
(not requests) for reports and tests. `ChannelHealth` keeps what the latest attempts said about
the path to the collector; a never-failed batch may be trusted to a page-hide keepalive
request only while it is healthy (docs/delivery.md).
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass

from xo_web.core.ports import Clock, IdFactory, Locks, Random, Timer
from xo_web.delivery.outbox import KeyedStorage
from xo_web.errors import DeliveryError


@dataclass
class DeliveryStats:
    """Counters of one Delivery (activities, not requests), for reports and tests."""

    accepted: int = 0
    delivered: int = 0
    rejected: int = 0
    evicted: int = 0
    expired: int = 0
    handed_off: int = 0
    requests: int = 0
    failures: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counters as a plain dict."""
        return dict(self.__dict__)


@dataclass
class ChannelHealth:
    """What this tab's latest attempts said about the channel to the collector.

    `failing` is set by a retryable failure and cleared by a success; `last_ok` says whether the
    latest answered attempt succeeded (False until one has), and `last_ok_at` when; `reason`
    is why sends wait. Health goes stale: an old success says little about the network now.
    """

    failing: bool = False
    last_ok: bool = False
    last_ok_at: float = 0.0
    last_status: int = 0
    reason: str = ""

    def succeeded(self, status: int, at: float) -> None:
        """Record a 2xx answer received at `at`."""
        self.failing = False
        self.last_ok = True
        self.last_ok_at = at
        self.last_status = status

    def refused(self, status: int, at: float) -> None:
        """Record a permanent refusal: the channel works, the batch was bad."""
        self.last_ok = True
        self.last_ok_at = at
        self.last_status = status

    def is_fresh(self, now: float, window_s: float) -> bool:
        """True when the latest attempt succeeded, within `window_s` of `now`, and nothing
        has failed since."""
        return self.last_ok and not self.failing and 0 <= now - self.last_ok_at <= window_s

    def failed(self, status: int, reason: str) -> None:
        """Record a retryable failure (network error, timeout, 408/425/429/5xx)."""
        self.failing = True
        self.last_ok = False
        self.last_status = status
        self.reason = reason


@dataclass
class DeliveryPorts:
    """What a Delivery needs from outside: time, randomness, timers, locks, ids and signals."""

    clock: Clock
    random: Random
    timer: Timer
    locks: Locks
    new_id: IdFactory
    report: Callable[[DeliveryError], None]
    warn: Callable[[str], None]
    may_send: Callable[[], bool]
    is_online: Callable[[], bool]
    storage: KeyedStorage


class Blocked(enum.Enum):
    """Why nothing may be sent now; the value is what a queued send's outcome says."""

    NOTHING = ""
    OPTED_OUT = "not sending: opted out or tracking refused"
    OFFLINE = "offline"
    PAUSED = "the collector asked to retry later"
