"""One sender's decisions, without I/O of its own: what to claim, and what an answer means.

2xx deletes the batch. 408, 425, 429, 5xx and network failures reschedule it after a capped,
jittered backoff (counted in consecutive failures of this sender) or the `Retry-After` asked,
whichever is longer; the sender pauses as long. 400, 413 or 422 for a batch of several
activities splits it: each goes alone next, so one bad activity cannot sink the others. Any
other refusal moves the batch to the dead letters with the status and the collector's reason.
Every `sweep_s` the courier expires old rows and deletes old dead letters (bounded retention).
After every `CHECKPOINT_ROWS` delivered rows, and when it finds nothing due after delivering
some, it has the store checkpoint its log (SQLite's WAL), so that sends never pay for one.
"""

import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable

from xo_web.delivery.outcome import SPLIT_STATUSES, is_retryable, is_success
from xo_web.delivery.retry import backoff_delay, parse_retry_after
from xo_web.server.client import Answer
from xo_web.server.settings import SenderSettings
from xo_web.server.store import Claim, SqlStore

log = logging.getLogger("xo_web.server")
CHECKPOINT_ROWS = 200  # ~1,000 WAL pages: SQLite's own default pace


def new_owner() -> str:
    """A sender's lease owner name: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Courier:
    """Claims batches from a store and settles each with the collector's answer."""

    def __init__(
        self,
        store: SqlStore,
        settings: SenderSettings,
        *,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.settings = settings
        self.owner = new_owner()
        self.failures = 0
        self._clock = clock
        self._random = rand
        self._next_sweep = 0.0
        self._uncheckpointed = 0  # rows settled since the last checkpoint

    def claim(self) -> Claim | None:
        """Lease the next due batch (sweeping first when a sweep is due); None when idle."""
        now = self._clock()
        if now >= self._next_sweep:
            self._next_sweep = now + self.settings.sweep_s
            self.store.expire(now, self.settings.max_age_s)
            self.store.purge_dead(now - self.settings.dead_retention_s)
        claim = self.store.claim(
            self.owner,
            now,
            lease_s=self.settings.lease_s,
            limit=self.settings.batch_size,
            max_bytes=self.settings.batch_bytes,
        )
        if claim is None and self._uncheckpointed:
            self._checkpoint()  # idle: a good time
        return claim

    def _checkpoint(self) -> None:
        self._uncheckpointed = 0
        self.store.checkpoint()

    def settle(self, claim: Claim, answer: Answer) -> float:
        """Apply the answer to the claimed rows; return how long the sender should pause."""
        now = self._clock()
        if is_success(answer.status):
            self.failures = 0
            self.store.ack(claim.ids)
            self._uncheckpointed += len(claim.ids)
            if self._uncheckpointed >= CHECKPOINT_ROWS:
                self._checkpoint()
            return 0.0
        if is_retryable(answer.status):
            self.failures += 1
            delay = self.retry_delay(answer.retry_after, now)
            error = f"{answer.status or 'no response'}: {answer.detail}"
            self.store.reschedule(claim.ids, self.owner, now + delay, error)
            log.info("xo_web: %d activities to retry in %.1f s (%s)", len(claim.ids), delay, error)
            return delay
        self.failures = 0
        if len(claim.ids) > 1 and answer.status in SPLIT_STATUSES:
            error = f"{answer.status}: split to find the refused activity"
            self.store.reschedule(claim.ids, self.owner, now, error, solo=True)
            return 0.0
        reason = answer.detail or f"refused with HTTP {answer.status}"
        self.store.bury(claim.ids, now, answer.status, reason)
        log.warning(
            "xo_web: %d activities refused for good (HTTP %d), kept as dead letters: %s",
            len(claim.ids),
            answer.status,
            reason,
        )
        return 0.0

    def linger(self, claim: Claim) -> float:
        """The wait before the next claim after a delivered batch: `linger_s` when the batch
        was not full (more may be on its way), none when it was (more is waiting)."""
        return 0.0 if len(claim.ids) >= self.settings.batch_size else self.settings.linger_s

    def retry_delay(self, retry_after: str | None, now: float) -> float:
        """The wait after this sender's `failures`-th consecutive failure."""
        policy = self.settings.retry_policy
        jittered = backoff_delay(self.failures, policy, self._random)
        asked = parse_retry_after(retry_after, now, max_s=self.settings.max_retry_after_s)
        return max(jittered, asked)

    def idle_wait(self) -> float:
        """How long an idle sender may sleep: until the next row is due, at most `poll_s`."""
        due_in = self.store.next_due(self._clock())
        if due_in is None:
            return self.settings.poll_s
        return min(max(due_in, 0.001), self.settings.poll_s)

    def error_wait(self) -> float:
        """The wait after the outbox itself failed (the database is down or locked)."""
        self.failures += 1
        return backoff_delay(self.failures, self.settings.retry_policy, self._random) or 0.01


__all__ = ["Courier", "new_owner"]
