"""Applying an answer to the entries a request carried: remove, retry later, narrow, expire.

A batch leaves storage only when the collector acknowledged it (2xx) or refused it for good
(a 4xx other than 408/425/429). A retryable failure puts the entries back with exponential
backoff and full jitter (and a shared pause for `Retry-After`); entries past `max_attempts` are
dropped and reported. A 400/413/422 for a request that merged several sends is narrowed down:
those entries go out one send at a time until the bad send is found. Every change is made only
to an entry still claimed by the request's token, so an entry another tab re-claimed or grew
since stays, to be sent again: at least once, never lost.
"""

from collections.abc import Callable
from dataclasses import replace

from xo_web.core.ports import Clock, Random
from xo_web.delivery.chunks import without_first_send
from xo_web.delivery.entry import Entry, activity_count
from xo_web.delivery.outbox import Outbox
from xo_web.delivery.outcome import SPLIT_STATUSES, Attempt, SendOutcome
from xo_web.delivery.pause import RetryAfterPause
from xo_web.delivery.retry import RetryPolicy, backoff_delay, parse_retry_after
from xo_web.delivery.state import ChannelHealth, DeliveryStats
from xo_web.delivery.waiters import Waiters
from xo_web.errors import DeliveryError

EXHAUSTED = SendOutcome(0, False, None, "dropped: retries exhausted")


class Settler:
    """Applies attempts' answers to the outbox, the waiting callers and the counters."""

    def __init__(
        self,
        outbox: Outbox,
        waiters: Waiters,
        *,
        policy: RetryPolicy,
        pause: RetryAfterPause,
        clock: Clock,
        random: Random,
        report: Callable[[DeliveryError], None],
    ) -> None:
        self._outbox = outbox
        self._waiters = waiters
        self.policy = policy
        self._pause = pause
        self._clock = clock
        self._random = random
        self._report = report
        self.stats = DeliveryStats()
        self.health = ChannelHealth()
        self.solo: set[str] = set()  # entries sent one send at a time, to find a bad one

    def settle(self, token: str, entries: list[Entry], attempt: Attempt) -> bool:
        """Apply an attempt's answer to its entries (by id); return True to keep flushing."""
        outcome = attempt.outcome
        if outcome.ok:
            self.health.succeeded(outcome.status, self._clock())
            for entry in entries:
                self._finish(token, entry)
                self._waiters.resolve(entry.id, outcome)
            self.stats.delivered += activity_count(entries)
            return True
        self.stats.failures += 1
        if attempt.retryable:
            self._retry_later(token, entries, attempt)
            return False
        self.health.refused(outcome.status, self._clock())
        several = len(entries) > 1 or len(entries[0].part_counts) > 1
        if several and outcome.status in SPLIT_STATUSES:
            for entry in entries:  # find the bad send: one send per request from now on
                self.solo.add(entry.id)
                self._release(token, entry, attempts=entry.attempts, due=entry.due)
            return True
        for entry in entries:
            self._finish(token, entry)
            self._waiters.resolve(entry.id, outcome)
        self.stats.rejected += activity_count(entries)
        self._tell(attempt.message, status=outcome.status, retryable=False)
        return True

    def settle_first_send(self, token: str, entry: Entry, attempt: Attempt) -> bool:
        """Apply the answer for the first send of an entry sent one send at a time."""
        outcome = attempt.outcome
        count = entry.part_counts[0]
        if not outcome.ok:
            self.stats.failures += 1
            if attempt.retryable:
                self._retry_later(token, [entry], attempt)
                return False
        current = self._outbox.get(entry.id)
        if current is not None and current.flight == token:
            rest = without_first_send(current)
            if rest is None:
                self._outbox.remove(entry.id)
                self.solo.discard(entry.id)
            else:
                self._outbox.save(replace(rest, flight=None, until=0.0, handed=False))
        self._waiters.resolve_first_send(entry.id, outcome)
        if outcome.ok:
            self.health.succeeded(outcome.status, self._clock())
            self.stats.delivered += count
        else:
            self.health.refused(outcome.status, self._clock())
            self.stats.rejected += count
            self._tell(attempt.message, status=outcome.status, retryable=False)
        return True

    def expire(self, entries: list[Entry]) -> None:
        """Drop entries past their attempts or age, and report them."""
        for entry in entries:
            self._outbox.remove(entry.id)
            self.solo.discard(entry.id)
            self._waiters.resolve(
                entry.id, SendOutcome(0, False, None, "dropped: retries exhausted")
            )
        count = activity_count(entries)
        self.stats.expired += count
        self._tell(
            f"gave up on {count} queued activities after {self.policy.max_attempts} attempts "
            f"or {self.policy.max_age_s:g} s",
            status=self.health.last_status,
            retryable=False,
        )

    def evicted(self, entries: list[Entry]) -> None:
        """Resolve and report entries the full outbox evicted."""
        if not entries:
            return
        count = activity_count(entries)
        self.stats.evicted += count
        for old in entries:
            self.solo.discard(old.id)
            self._waiters.resolve(old.id, self.queued_outcome("evicted from the full queue"))
        self._tell(
            f"the delivery queue is full; dropped the {count} oldest queued activities",
            status=0,
            retryable=False,
        )

    def queued_outcome(self, reason: str) -> SendOutcome:
        """Return the outcome of a send that stays queued, for `reason`."""
        status = self.health.last_status if self.health.failing else 0
        return SendOutcome(status, False, None, reason, True)

    def _retry_later(self, token: str, entries: list[Entry], attempt: Attempt) -> None:
        was_failing = self.health.failing
        self.health.failed(attempt.outcome.status, attempt.outcome.error or "failed")
        now = self._clock()
        wait = parse_retry_after(attempt.retry_after, now, max_s=self.policy.max_retry_after_s)
        if wait > 0:
            self._pause.extend(now + wait)
        exhausted: list[Entry] = []
        for entry in entries:
            attempts = entry.attempts + 1
            if attempts >= self.policy.max_attempts:
                current = self._outbox.get(entry.id)
                if current is not None and current.flight == token:
                    exhausted.append(current)
                continue
            delay = max(backoff_delay(attempts, self.policy, self._random), wait)
            self._release(token, entry, attempts=attempts, due=now + delay)
        queued = replace(attempt.outcome, queued=True)
        for entry in entries:
            if entry not in exhausted:
                self._waiters.resolve(entry.id, queued)
        if exhausted:
            self.expire(exhausted)
        if not was_failing:
            self._tell(
                f"{attempt.message}; the activities are queued and will be retried",
                status=attempt.outcome.status,
                retryable=True,
            )

    def _release(self, token: str, entry: Entry, *, attempts: int, due: float) -> None:
        """Put a claimed entry back in the queue, unless it was removed or claimed again."""
        current = self._outbox.get(entry.id)
        if current is None or current.flight != token:
            return
        self._outbox.save(
            replace(current, attempts=attempts, due=due, flight=None, until=0.0, handed=False)
        )

    def _finish(self, token: str, entry: Entry) -> None:
        """Remove a claimed entry after a final answer, unless it changed since the claim."""
        current = self._outbox.get(entry.id)
        if current is not None and current.flight == token:
            self._outbox.remove(entry.id)
            self.solo.discard(entry.id)

    def _tell(self, message: str, *, status: int, retryable: bool) -> None:
        self._report(DeliveryError(message, status=status, retryable=retryable))
