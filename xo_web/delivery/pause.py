"""The collector's `Retry-After`: a pause shared by every tab, kept in storage.

A `Retry-After` answer pauses all sending until the instant stored under `attraqtpause`. The
stored value is untrusted: anything that is not a finite number is removed, and a pause that
lasts longer than the policy allows (a hostile value or a skewed clock) is clamped for good.
"""

import math

from xo_web.core.keys import PAUSE_STORAGE_KEY
from xo_web.core.ports import Clock
from xo_web.delivery.outbox import KeyedStorage

MAX_STORED_CHARS = 32


class RetryAfterPause:
    """Reads and extends the shared pause in storage."""

    def __init__(self, storage: KeyedStorage, clock: Clock, *, max_s: float) -> None:
        self._storage = storage
        self._clock = clock
        self.max_s = max_s

    def until(self) -> float:
        """Return when the collector's `Retry-After` ends (0 when not paused)."""
        raw = self._storage.get(PAUSE_STORAGE_KEY)
        if raw is None:
            return 0.0
        try:
            until = float(raw) if len(raw) <= MAX_STORED_CHARS else math.nan
        except ValueError:
            until = math.nan
        if not math.isfinite(until):
            self._storage.remove(PAUSE_STORAGE_KEY)  # repair what we own
            return 0.0
        latest = self._clock() + self.max_s
        if until > latest:
            self._storage.set(PAUSE_STORAGE_KEY, repr(round(latest, 3)))
            return latest
        return until

    def active(self) -> bool:
        """True while the pause lasts."""
        return self.until() > self._clock()

    def extend(self, until: float) -> None:
        """Pause every tab until `until`, unless a longer pause is already set."""
        if until > self.until():
            self._storage.set(PAUSE_STORAGE_KEY, repr(round(until, 3)))
