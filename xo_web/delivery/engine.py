"""Delivery: one tab's persisted outbox for one tracker key, and when and how it is flushed.

`Delivery` is a small orchestrator over parts with names of their own: `Intake` writes each
send to the outbox before anything is sent (coalescing the sends of a tick), `Flights` claims
entries for requests, `Dispatcher` sends and classifies, `Settler` applies the answers,
`RetryAfterPause` holds the collector's pause and `UnloadFlush` empties the queue at page hide.
This module owns the flush loop (one at a time per tab, across a re-init too, under the outbox
lock, so two tabs never send the same entry at once), each tab's order, and the next flush's
timer.
"""

import asyncio
from collections.abc import Sequence

from xo_web.core.keys import OUTBOX_LOCK
from xo_web.core.loop import no_cancel, schedulable_loop
from xo_web.core.ports import Cancel
from xo_web.delivery.chunks import one_send_at_a_time, request_body, take_chunk
from xo_web.delivery.dispatch import KEEPALIVE_LIMIT_BYTES, Dispatcher
from xo_web.delivery.entry import Entry, activity_count, encode_activity
from xo_web.delivery.flights import LEASE_MARGIN_S, Flights
from xo_web.delivery.intake import Encoded, Intake, Ticket
from xo_web.delivery.locks import BoundedLocks
from xo_web.delivery.outbox import Outbox
from xo_web.delivery.outcome import SendOutcome
from xo_web.delivery.pause import RetryAfterPause
from xo_web.delivery.retry import RetryPolicy
from xo_web.delivery.schedule import next_wakeup, select
from xo_web.delivery.settle import Settler
from xo_web.delivery.state import Blocked, DeliveryPorts, DeliveryStats
from xo_web.delivery.unload import UnloadFlush
from xo_web.delivery.waiters import Waiters

HEALTH_WINDOW_S = 30.0


class Delivery:
    """The persisted outbox of one tab for one tracker key, and how it is flushed."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        outbox: Outbox,
        ports: DeliveryPorts,
        *,
        tracker_key: str,
        tab: str,
        policy: RetryPolicy,
        previous: "Delivery | None" = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.outbox = outbox
        self.policy = policy
        self.tracker_key = tracker_key
        self.tab = tab
        self._ports = ports
        self._locks = BoundedLocks(ports.locks, warn=ports.warn)
        self._waiters: Waiters = previous._waiters if previous is not None else Waiters()
        self._pause = RetryAfterPause(ports.storage, ports.clock, max_s=policy.max_retry_after_s)
        lease_s = dispatcher.timeout_s + LEASE_MARGIN_S
        self._flights = Flights(outbox, clock=ports.clock, new_id=ports.new_id, lease_s=lease_s)
        self._settler = Settler(
            outbox,
            self._waiters,
            policy=policy,
            pause=self._pause,
            clock=ports.clock,
            random=ports.random,
            report=ports.report,
        )
        self._intake = Intake(
            outbox,
            self._waiters,
            tracker_key=tracker_key,
            tab=tab,
            clock=ports.clock,
            new_id=ports.new_id,
            busy=self._flights.busy_ids,
            evicted=self._settler.evicted,
        )
        self._unload = UnloadFlush(
            dispatcher,
            self._flights,
            self._settler,
            tab=tab,
            healthy=self.channel_is_healthy,
            after_settle=self._arm_timer,
        )
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._force_again = False
        self._lock_busy = False
        self._cancel_timer: Cancel = no_cancel
        self._predecessor = previous._task if previous is not None else None
        if previous is not None:  # re-init: keep this tab's order, counters, pending callers
            self._intake.continue_from(previous._intake)
            self._settler.stats = previous.stats
            previous._cancel_timer()
        self.outbox.refresh()  # boot: what earlier pages and other tabs left, for the timers

    @property
    def stats(self) -> DeliveryStats:
        """Counters of this tab's delivery (activities, not requests)."""
        return self._settler.stats

    # -- accepting -------------------------------------------------------------------------

    def enqueue(self, batch: Sequence[dict[str, object]], encoded: Encoded | None = None) -> Ticket:
        """Write `batch` to the outbox now (before any request) and return the send's ticket.

        `encoded` gives each activity's JSON text and UTF-8 size when the caller has them, so
        nothing is encoded twice.
        """
        pairs = list(encoded) if encoded is not None else [encode_activity(a) for a in batch]
        self.stats.accepted += len(batch)
        return self._intake.enqueue(batch, pairs)

    async def deliver(self, ticket: Ticket) -> SendOutcome:
        """Flush and return the outcome of the first attempt carrying the ticket's send."""
        waiter = ticket.waiter
        if waiter is None:  # enqueued outside an event loop
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.wait(ticket.entry_id, waiter)
        self._kick(force=False)  # behind a batch waiting for its retry, this one waits too
        return await waiter

    async def flush(self, *, force: bool = False) -> None:
        """Run a flush (or join the running one) and wait for it to finish."""
        self._kick(force=force)
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def idle(self) -> None:
        """Wait until no flush and no page-hide request of this Delivery is running."""
        while True:
            tasks = (self._task, *self._unload.background)
            pending = [t for t in tasks if t is not None and not t.done()]
            if not pending:
                return
            await asyncio.wait(pending)

    def flush_soon(self, *, force: bool = False) -> None:
        """Start a flush from synchronous code (boot, `online`, a timer)."""
        self._cancel_timer()
        self._cancel_timer = self._ports.timer(0.0, lambda: self._kick(force=force))

    def stop(self) -> None:
        """Cancel this Delivery's timer and running work (the page is going away for good)."""
        self._cancel_timer()
        self._cancel_timer = no_cancel
        self._intake.close()
        for task in (self._task, *self._unload.background):
            if task is not None and not task.done():
                task.cancel()
        self._waiters.resolve_every(lambda: self._settler.queued_outcome("the page went away"))

    def drop_all(self) -> int:
        """Forget every queued entry (opt-out); return how many activities were dropped."""
        dropped = activity_count(self.outbox.refresh())
        self.outbox.clear()
        self._intake.close()
        self._waiters.resolve_every(lambda: SendOutcome(0, False, None, "dropped: opted out"))
        return dropped

    def flush_on_unload(self) -> int:
        """Send what fits the keepalive budget now, synchronously; return the requests made."""
        if self._blocked() is not Blocked.NOTHING or not self.dispatcher.can_start:
            return 0
        self.outbox.refresh()
        return self._unload.flush(self._candidates(force=True), on_claim=self._claiming)

    def channel_is_healthy(self) -> bool:
        """True while a never-failed batch may be trusted to a page-hide keepalive request:
        this tab's latest attempt succeeded less than HEALTH_WINDOW_S ago, nothing is in
        backoff, no pause, and the browser is online."""
        now = self._ports.clock()
        fresh = self._settler.health.is_fresh(now, HEALTH_WINDOW_S)
        return fresh and self._blocked() is Blocked.NOTHING

    def healthy_until(self) -> float:
        """When (clock seconds) the channel stops being healthy if nothing changes, else 0.0."""
        if not self.channel_is_healthy():
            return 0.0
        return self._settler.health.last_ok_at + HEALTH_WINDOW_S

    def _kick(self, *, force: bool) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            self._force_again = self._force_again or force
            return
        loop = schedulable_loop()
        if loop is None:
            return  # nowhere to run: the next send or page load flushes
        self._task = loop.create_task(self._run(force))

    async def _run(self, force: bool) -> None:
        predecessor, self._predecessor = self._predecessor, None
        if predecessor is not None:  # a re-init's: it may hold the lock ("another tab" to us)
            await asyncio.wait({predecessor})
        considered: set[asyncio.Future[SendOutcome]] = set()
        try:
            while True:
                self._again = False
                considered = self._waiters.waiting()  # a later send waits for the next flush
                try:
                    await self._flush_once(force)
                except Exception as exc:  # a bug must not leave waiters hanging
                    self._ports.warn(f"xo_web: delivery flush failed: {exc!r}")
                    self._settler.health.reason = "internal error"
                if not self._again:
                    break
                force, self._force_again = self._force_again, False
        finally:
            reason = self._settler.health.reason or "waiting"
            queued = self._settler.queued_outcome
            self._waiters.resolve_considered(considered, lambda: queued(reason))
            self._arm_timer()

    # -- flushing --------------------------------------------------------------------------

    async def _flush_once(self, force: bool) -> None:
        self._lock_busy = False
        health = self._settler.health
        blocked = self._blocked()
        if blocked is not Blocked.NOTHING:
            health.reason = blocked.value
            return
        async with self._locks.hold(OUTBOX_LOCK) as held:
            if not held:
                self._lock_busy = True
                health.reason = "another tab is delivering the queue"
                return
            self.outbox.refresh()  # once per flush: what other tabs and pages left
            while True:
                chunk = self._next_chunk(force=force, limit=KEEPALIVE_LIMIT_BYTES)
                if not chunk:
                    health.reason = health.reason if health.failing else "waiting for a retry"
                    return
                if not await self._send(chunk):
                    return
                if self._blocked() is not Blocked.NOTHING:
                    return

    def _blocked(self) -> Blocked:
        if not self._ports.may_send():
            return Blocked.OPTED_OUT
        if not self._ports.is_online():
            return Blocked.OFFLINE
        if self._pause.active():
            return Blocked.PAUSED
        return Blocked.NOTHING

    def _candidates(self, *, force: bool) -> list[Entry]:
        """Return the entries that may be sent now, in order, settling dead ones on the way.

        Works on the outbox index (no storage reads); `_next_chunk` checks what it takes.
        """
        selection = select(
            self.outbox.known(),
            now=self._ports.clock(),
            tracker_key=self.tracker_key,
            policy=self.policy,
            force=force,
            flying=self._flights.holds,
        )
        for entry in selection.handed:
            self.outbox.remove(entry.id)
            self.stats.handed_off += len(entry.body)
        if selection.expired:
            self._settler.expire(selection.expired)
        return selection.ready

    def _next_chunk(self, *, force: bool, limit: int) -> list[Entry]:
        """Return the next request's entries, each checked against storage (one read each)."""
        for _ in range(8):
            ready = self._candidates(force=force)
            chunk = take_chunk(ready, self._settler.solo, limit)
            checked: list[Entry] = []
            for entry in chunk:
                current = self.outbox.get(entry.id)
                if current is not entry and current != entry:
                    break  # another tab changed or removed it since the flush began
                checked.append(entry)
            if checked or not chunk:
                return checked
        return []

    def _claiming(self, chunk: list[Entry]) -> None:
        """A request is about to claim `chunk`: later sends of this tick start a new entry."""
        self._intake.close(entry.id for entry in chunk)
        self.stats.requests += 1

    async def _send(self, chunk: list[Entry]) -> bool:
        first_send_only = one_send_at_a_time(chunk, self._settler.solo)
        self._claiming(chunk)
        token, claimed = self._flights.claim(chunk)
        body = request_body(claimed, first_part=first_send_only)
        keepalive = body[1] + self._flights.keepalive_bytes <= KEEPALIVE_LIMIT_BYTES
        self._flights.fly(token, claimed, keepalive=keepalive, size=body[1])
        try:
            attempt = await self.dispatcher.attempt(body, keepalive=keepalive)
        finally:
            self._flights.land(token)
        if first_send_only:
            return self._settler.settle_first_send(token, claimed[0], attempt)
        return self._settler.settle(token, claimed, attempt)

    def next_wakeup(self) -> float | None:
        """Return when the next flush should run (epoch seconds), or None for never."""
        if self._blocked() in (Blocked.OFFLINE, Blocked.OPTED_OUT):
            return None
        now = self._ports.clock()
        return next_wakeup(
            self.outbox.known(),
            now=now,
            tracker_key=self.tracker_key,
            flying=self._flights.holds,
            max_age_s=self.policy.max_age_s,
            extra=[now + self.policy.retry_base_s] if self._lock_busy else [],
            not_before=self._pause.until(),
        )

    def _arm_timer(self) -> None:
        self._cancel_timer()
        self._cancel_timer = no_cancel
        wake = self.next_wakeup()
        if wake is None:
            return
        delay = wake - self._ports.clock()
        self._cancel_timer = self._ports.timer(delay, lambda: self._kick(force=False))
