"""Delivery: the seam between the Tracker and the collector, and the persisted retry outbox.

`Dispatcher` turns a batch of wire dicts into a request, sends it and classifies the answer:
2xx is success (decided by the status alone); 408, 425, 429, 5xx and network failures are
retryable; other statuses are permanent. `Delivery` puts the outbox (xo_web.outbox) behind it:

- `enqueue` writes a batch to storage *before* anything is sent; `deliver` then flushes and
  resolves with the outcome of the first attempt that carried the batch (`queued=True` when it
  stays in the outbox for a retry).
- A flush runs one at a time per tab and under the outbox lock (xo_web.locks), so two tabs
  never send the same entry at once; each entry is claimed with an in-flight lease before it is
  sent, removed by id on 2xx or a permanent failure, and released with exponential backoff and
  full jitter (xo_web.backoff) on a retryable one. `Retry-After` pauses every tab
  (`attraqtpause`). Entries past `max_attempts` or `max_age_s` are dropped and reported.
- Order is kept per tab: an entry is never sent while an earlier entry of its tab waits.
- `flush_on_unload` runs synchronously in a `pagehide`/hidden handler: keepalive requests of at
  most UNLOAD_CHUNK_BYTES whose bodies stay within the 64 KiB keepalive budget; the rest stays
  persisted. A never-failed entry on a keepalive request at unload is "handed off": if this
  page does not live to see the answer, the next page takes the browser's word for it rather
  than sending it twice. Everything else is at least once: an in-flight entry whose tab died is
  sent again when its lease expires.
Delivery problems are passed to `report` as DeliveryErrors, never raised.
"""

import asyncio
import inspect
import json
import math
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from xo_web.backoff import RetryPolicy, backoff_delay, parse_retry_after
from xo_web.errors import DeliveryError, TransportError
from xo_web.locks import OUTBOX_LOCK, Locks
from xo_web.models import MAX_BATCH_SIZE, dumps, serialized_size
from xo_web.outbox import Entry, Outbox, flatten
from xo_web.ports import Cancel, Clock, HttpRequest, HttpResponse, IdFactory, Timer, Transport

STORAGE_PREFIX = "attraqt"
PAUSE_STORAGE_KEY = "attraqtpause"
KEEPALIVE_LIMIT_BYTES = 64 * 1024
UNLOAD_CHUNK_BYTES = 16 * 1024
LEASE_MARGIN_S = 5.0
MIN_WAKE_S = 0.05
SPLIT_STATUSES = frozenset({400, 413, 422})
HEADERS: Mapping[str, str] = {"Content-Type": "application/json", "X-SDK": "1"}
RETRYABLE_STATUSES = frozenset({408, 425, 429})

Random = Callable[[], float]


@dataclass(frozen=True)
class SendOutcome:
    """What became of a send: the HTTP status (0 without a response), the parsed profiles.

    `queued` is True when the batch stays in the persisted outbox to be retried.
    """

    status: int
    ok: bool
    profiles: dict[str, object] | None
    error: str | None
    queued: bool = False


@dataclass(frozen=True)
class Attempt:
    """One request's result: the outcome, whether a retry may succeed, and `Retry-After`."""

    outcome: SendOutcome
    retryable: bool
    retry_after: str | None = None
    message: str = ""


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


def is_success(status: int) -> bool:
    """Return True for a 2xx status."""
    return 200 <= status < 300


def is_retryable(status: int) -> bool:
    """Return True when a batch that got `status` may succeed if sent again (0: no response)."""
    return status == 0 or status in RETRYABLE_STATUSES or 500 <= status < 600


def encode_batch(batch: Sequence[Mapping[str, object]]) -> str:
    """Return the request body: always a JSON array, compact, UTF-8, no NaN."""
    return dumps(list(batch))


class Dispatcher:
    """Sends batches to one collector endpoint through a Transport."""

    def __init__(
        self,
        transport: Transport,
        *,
        endpoint: str,
        timeout_s: float,
        report: Callable[[DeliveryError], None],
        clock: Clock = time.time,
    ) -> None:
        self.transport = transport
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self._report = report
        self._clock = clock

    def build_request(
        self, batch: Sequence[Mapping[str, object]], *, keepalive: bool | None = None
    ) -> HttpRequest:
        """Return the POST for `batch`; keepalive when the body fits the browser's limit."""
        body = encode_batch(batch)
        fits = len(body.encode("utf-8")) <= KEEPALIVE_LIMIT_BYTES
        return HttpRequest(
            url=self.endpoint,
            body=body,
            headers=dict(HEADERS),
            keepalive=fits if keepalive is None else keepalive and fits,
            timeout_s=self.timeout_s,
        )

    async def dispatch(self, batch: Sequence[Mapping[str, object]]) -> SendOutcome:
        """Send `batch` and return its outcome; failures are reported, never raised."""
        attempt = await self.attempt(batch)
        if not attempt.outcome.ok:
            status = attempt.outcome.status
            error = DeliveryError(attempt.message, status=status, retryable=attempt.retryable)
            self._report(error)
        return attempt.outcome

    async def attempt(
        self, batch: Sequence[Mapping[str, object]], *, keepalive: bool | None = None
    ) -> Attempt:
        """Send `batch` once and classify the answer (nothing is reported)."""
        request = self.build_request(batch, keepalive=keepalive)
        return await self._settle(self.transport.send(request))

    def can_start(self) -> bool:
        """True when the transport can begin a request synchronously (see ports.Starter)."""
        return callable(getattr(self.transport, "start", None))

    def start(self, batch: Sequence[Mapping[str, object]]) -> Awaitable[Attempt]:
        """Begin a keepalive request for `batch` synchronously; await it for the Attempt."""
        starter = self.transport.start  # type: ignore[attr-defined]
        request = self.build_request(batch, keepalive=True)
        try:
            pending: Awaitable[HttpResponse] = starter(request)
        except Exception as exc:
            pending = _raise(exc)
        return self._settle(pending)

    async def _settle(self, pending: Awaitable[HttpResponse]) -> Attempt:
        try:
            response = await pending
        except TransportError as exc:
            detail = f"timed out after {self.timeout_s:g} s" if exc.timeout else str(exc)
            return _failed(0, f"network error: {detail or 'request failed'}", retryable=True)
        except OSError as exc:
            return _failed(0, f"network error: {exc or 'request failed'}", retryable=True)
        except Exception as exc:
            return _failed(0, f"transport failed: {type(exc).__name__}: {exc}", retryable=False)
        return _classify(response)


async def _raise(exc: Exception) -> HttpResponse:
    raise exc


def _failed(
    status: int,
    detail: str,
    *,
    retryable: bool,
    message: str | None = None,
    after: str | None = None,
) -> Attempt:
    outcome = SendOutcome(status=status, ok=False, profiles=None, error=detail)
    return Attempt(outcome, retryable, after, message or detail)


def _classify(response: HttpResponse) -> Attempt:
    status = response.status
    if is_success(status):
        payload = _parse_json(response.body)
        profiles = payload.get("profiles") if isinstance(payload, dict) else None
        outcome = SendOutcome(status, True, profiles if isinstance(profiles, dict) else None, None)
        return Attempt(outcome, False)
    detail = _error_detail(_parse_json(response.body)) or f"HTTP {status}"
    return _failed(
        status,
        detail,
        retryable=is_retryable(status),
        message=f"the collector answered HTTP {status}: {detail}",
        after=response.headers.get("retry-after"),
    )


def _parse_json(body: str) -> object:
    """Parse a response body leniently: anything unparsable is None."""
    try:
        return json.loads(body)
    except Exception:
        return None


def _error_detail(payload: object) -> str | None:
    """Return "error: message" from a collector error body, or whichever of them is present."""
    if not isinstance(payload, dict):
        return None
    parts = [payload.get(key) for key in ("error", "message")]
    texts = [part.strip()[:500] for part in parts if isinstance(part, str) and part.strip()]
    return ": ".join(dict.fromkeys(texts)) or None


def asyncio_timer(delay_s: float, callback: Callable[[], None]) -> Cancel:
    """The default Timer: `loop.call_later` on the running loop (setTimeout in Pyodide)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        if sys.platform != "emscripten":
            return _no_cancel  # no loop to run it on: the next send or page load flushes
        loop = asyncio.get_event_loop()
    handle = loop.call_later(max(delay_s, 0.0), callback)
    return handle.cancel


def _no_cancel() -> None:
    return None


def _loop() -> asyncio.AbstractEventLoop:
    """Return the running loop; in Pyodide, the page's loop even between JS tasks."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        if sys.platform != "emscripten":
            raise
        return asyncio.get_event_loop()


def body_bytes(entries: Sequence[Entry]) -> int:
    """Return the UTF-8 size of the request body carrying `entries`."""
    return serialized_size(flatten(entries))


@dataclass
class _Flight:
    entries: list[Entry]
    keepalive: bool
    size: int


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
    pause_storage: Any = field(default=None)


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
        self.stats = DeliveryStats()
        self._ports = ports
        self._seq = 0
        self._last_created = 0.0
        self._waiters: dict[str, asyncio.Future[SendOutcome]] = {}
        self._task: asyncio.Task[None] | None = None
        self._again = False
        self._force_again = False
        self._failing = False
        self._last_status = 0
        self._reason = ""
        self._lock_busy = False
        self._solo: set[str] = set()
        self._flights: dict[str, _Flight] = {}
        self._keepalive_bytes = 0
        self._cancel_timer: Cancel = _no_cancel
        self._background: set[asyncio.Task[None]] = set()
        if previous is not None:  # re-init: keep this tab's order and pending callers
            self._seq = previous._seq
            self._last_created = previous._last_created
            self._waiters = previous._waiters
            self.stats = previous.stats
            previous._cancel_timer()

    @property
    def lease_s(self) -> float:
        """How long an in-flight claim protects an entry: the request timeout plus a margin."""
        return self.dispatcher.timeout_s + LEASE_MARGIN_S

    # -- accepting -------------------------------------------------------------------------

    def enqueue(self, batch: Sequence[dict[str, object]]) -> Entry:
        """Write `batch` to the outbox now (before any request) and return its entry."""
        now = self._ports.clock()
        created = max(now, self._last_created)
        self._last_created = created
        self._seq += 1
        entry = Entry(
            id=self._ports.new_id(),
            tracker_key=self.tracker_key,
            tab=self.tab,
            seq=self._seq,
            created=created,
            body=tuple(batch),
            due=created,
        )
        evicted = self.outbox.add(entry)
        self.stats.accepted += len(batch)
        if evicted:
            count = sum(len(e.body) for e in evicted)
            self.stats.evicted += count
            for old in evicted:
                self._resolve(old.id, self._queued_outcome("evicted from the full queue"))
            self._report(
                f"the delivery queue is full; dropped the {count} oldest queued activities",
                status=0,
                retryable=False,
            )
        return entry

    async def deliver(self, entry_id: str) -> SendOutcome:
        """Flush and return the outcome of the first attempt carrying entry `entry_id`."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[SendOutcome] = loop.create_future()
        self._waiters[entry_id] = waiter
        self._kick(force=False)  # behind a batch waiting for its retry, this one waits too
        return await waiter

    # -- triggers --------------------------------------------------------------------------

    async def flush(self, *, force: bool = False) -> None:
        """Run a flush (or join the running one) and wait for it to finish."""
        self._kick(force=force)
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def idle(self) -> None:
        """Wait until no flush and no page-hide request of this Delivery is running."""
        while True:
            pending = [t for t in (self._task, *self._background) if t is not None and not t.done()]
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
        self._cancel_timer = _no_cancel
        for task in (self._task, *self._background):
            if task is not None and not task.done():
                task.cancel()
        for entry_id in list(self._waiters):
            self._resolve(entry_id, self._queued_outcome("the page went away"))

    def drop_all(self) -> int:
        """Forget every queued entry (opt-out); return how many activities were dropped."""
        dropped = sum(len(e.body) for e in self.outbox.entries())
        self.outbox.clear()
        for entry_id in list(self._waiters):
            self._resolve(entry_id, SendOutcome(0, False, None, "dropped: opted out"))
        return dropped

    def _kick(self, *, force: bool) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            self._force_again = self._force_again or force
            return
        self._task = _loop().create_task(self._run(force))

    async def _run(self, force: bool) -> None:
        try:
            while True:
                self._again = False
                try:
                    await self._flush_once(force)
                except Exception as exc:  # a bug must not leave waiters hanging
                    self._ports.warn(f"xo_web: delivery flush failed: {exc!r}")
                    self._reason = "internal error"
                if not self._again:
                    break
                force, self._force_again = self._force_again, False
        finally:
            for entry_id in list(self._waiters):
                self._resolve(entry_id, self._queued_outcome(self._reason or "waiting"))
            self._arm_timer()

    # -- flushing --------------------------------------------------------------------------

    async def _flush_once(self, force: bool) -> None:
        self._lock_busy = False
        blocked = self._blocked_reason()
        if blocked:
            self._reason = blocked
            return
        async with self._ports.locks.hold(OUTBOX_LOCK) as held:
            if not held:
                self._lock_busy = True
                self._reason = "another tab is delivering the queue"
                return
            while True:
                chunk = self._next_chunk(force=force, limit=KEEPALIVE_LIMIT_BYTES)
                if not chunk:
                    self._reason = self._reason if self._failing else "waiting for a retry"
                    return
                if not await self._send(chunk):
                    return
                if self._blocked_reason():
                    return

    def _blocked_reason(self) -> str:
        if not self._safe(self._ports.may_send, False):
            return "not sending: opted out or tracking refused"
        if not self._safe(self._ports.is_online, True):
            return "offline"
        if self.paused_until() > self._ports.clock():
            return "the collector asked to retry later"
        return ""

    def _safe(self, check: Callable[[], bool], default: bool) -> bool:
        try:
            return bool(check())
        except Exception:
            return default

    def _candidates(self, *, force: bool) -> list[Entry]:
        """Return the entries that may be sent now, in order, dropping dead ones on the way."""
        now = self._ports.clock()
        blocked: set[str] = set()
        expired: list[Entry] = []
        ready: list[Entry] = []
        for entry in self.outbox.entries():
            if entry.tracker_key != self.tracker_key:
                continue
            if entry.in_flight(now) or entry.flight in self._flights:
                blocked.add(entry.tab)
                continue
            if entry.handed and entry.flight is not None:
                self.outbox.remove(entry.id)  # its page is gone; the browser sent it
                self.stats.handed_off += len(entry.body)
                continue
            if entry.tab in blocked:
                continue
            too_old = abs(now - entry.created) > self.policy.max_age_s
            if too_old or entry.attempts >= self.policy.max_attempts:
                expired.append(entry)
                continue
            if not force and entry.due > now:
                blocked.add(entry.tab)
                continue
            ready.append(entry)
        if expired:
            self._expire(expired)
        return ready

    def _expire(self, entries: list[Entry]) -> None:
        for entry in entries:
            self.outbox.remove(entry.id)
            self._resolve(entry.id, SendOutcome(0, False, None, "dropped: retries exhausted"))
        count = sum(len(e.body) for e in entries)
        self.stats.expired += count
        self._report(
            f"gave up on {count} queued activities after {self.policy.max_attempts} attempts "
            f"or {self.policy.max_age_s:g} s",
            status=self._last_status,
            retryable=False,
        )

    def _next_chunk(self, *, force: bool, limit: int) -> list[Entry]:
        ready = self._candidates(force=force)
        return _take_chunk(ready, self._solo, limit)

    async def _send(self, chunk: list[Entry]) -> bool:
        token, claimed = self._claim(chunk, handed=False)
        size = body_bytes(claimed)
        keepalive = size + self._keepalive_bytes <= KEEPALIVE_LIMIT_BYTES
        self._fly(token, claimed, keepalive, size)
        try:
            attempt = await self.dispatcher.attempt(flatten(claimed), keepalive=keepalive)
        finally:
            self._land(token)
        return self._settle(token, claimed, attempt)

    def _claim(self, chunk: list[Entry], *, handed: bool) -> tuple[str, list[Entry]]:
        token = self._ports.new_id()
        until = self._ports.clock() + self.lease_s
        claimed = []
        for entry in chunk:
            mark = handed and entry.attempts == 0
            marked = replace(entry, flight=token, until=until, handed=mark)
            self.outbox.save(marked)
            claimed.append(marked)
        self.stats.requests += 1
        return token, claimed

    def _fly(self, token: str, entries: list[Entry], keepalive: bool, size: int) -> None:
        self._flights[token] = _Flight(entries, keepalive, size)
        if keepalive:
            self._keepalive_bytes += size

    def _land(self, token: str) -> None:
        flight = self._flights.pop(token, None)
        if flight is not None and flight.keepalive:
            self._keepalive_bytes -= flight.size

    def _settle(self, token: str, entries: list[Entry], attempt: Attempt) -> bool:
        """Apply an attempt's answer to its entries (by id); return True to keep flushing."""
        outcome = attempt.outcome
        if outcome.ok:
            for entry in entries:
                self.outbox.remove(entry.id)
                self._solo.discard(entry.id)
                self._resolve(entry.id, outcome)
            self.stats.delivered += sum(len(e.body) for e in entries)
            self._failing = False
            self._last_status = outcome.status
            return True
        self.stats.failures += 1
        self._last_status = outcome.status
        if attempt.retryable:
            self._retry_later(token, entries, attempt)
            return False
        if len(entries) > 1 and outcome.status in SPLIT_STATUSES:
            for entry in entries:  # find the bad one: send these one per request
                self._solo.add(entry.id)
                self._release(token, entry, attempts=entry.attempts, due=entry.due)
            return True
        for entry in entries:
            self.outbox.remove(entry.id)
            self._solo.discard(entry.id)
            self._resolve(entry.id, outcome)
        self.stats.rejected += sum(len(e.body) for e in entries)
        self._report(attempt.message, status=outcome.status, retryable=False)
        return True

    def _retry_later(self, token: str, entries: list[Entry], attempt: Attempt) -> None:
        now = self._ports.clock()
        wait = parse_retry_after(attempt.retry_after, now, max_s=self.policy.max_retry_after_s)
        if wait > 0:
            self._pause(now + wait)
        exhausted: list[Entry] = []
        for entry in entries:
            attempts = entry.attempts + 1
            if attempts >= self.policy.max_attempts:
                current = self.outbox.get(entry.id)
                if current is not None and current.flight == token:
                    exhausted.append(current)
                continue
            delay = max(backoff_delay(attempts, self.policy, self._ports.random), wait)
            self._release(token, entry, attempts=attempts, due=now + delay)
        queued = replace(attempt.outcome, queued=True)
        for entry in entries:
            if entry not in exhausted:
                self._resolve(entry.id, queued)
        if exhausted:
            self._expire(exhausted)
        if not self._failing:
            self._failing = True
            self._report(
                f"{attempt.message}; the activities are queued and will be retried",
                status=attempt.outcome.status,
                retryable=True,
            )
        self._reason = attempt.outcome.error or "failed"

    def _release(self, token: str, entry: Entry, *, attempts: int, due: float) -> None:
        """Put a claimed entry back in the queue, unless it was removed or claimed again."""
        current = self.outbox.get(entry.id)
        if current is None or current.flight != token:
            return
        self.outbox.save(
            replace(current, attempts=attempts, due=due, flight=None, until=0.0, handed=False)
        )

    # -- Retry-After -----------------------------------------------------------------------

    def paused_until(self) -> float:
        """Return when the collector's `Retry-After` ends (0 when not paused)."""
        storage = self._ports.pause_storage
        if storage is None:
            return 0.0
        raw = storage.get(PAUSE_STORAGE_KEY)
        if raw is None:
            return 0.0
        try:
            until = float(raw) if isinstance(raw, str) and len(raw) <= 32 else math.nan
        except ValueError:
            until = math.nan
        if not math.isfinite(until):
            storage.remove(PAUSE_STORAGE_KEY)  # repair what we own
            return 0.0
        latest = self._ports.clock() + self.policy.max_retry_after_s
        if until > latest:  # hostile or from a skewed clock: clamp it once, for good
            storage.set(PAUSE_STORAGE_KEY, repr(round(latest, 3)))
            return latest
        return until

    def _pause(self, until: float) -> None:
        storage = self._ports.pause_storage
        if storage is not None and until > self.paused_until():
            storage.set(PAUSE_STORAGE_KEY, repr(round(until, 3)))

    # -- page hide -------------------------------------------------------------------------

    def flush_on_unload(self) -> int:
        """Send what fits the keepalive budget now, synchronously; return the requests made."""
        for flight in self._flights.values():  # already on keepalive requests: hand them off
            if flight.keepalive:
                for entry in flight.entries:
                    current = self.outbox.get(entry.id)
                    if current is not None and current.flight == entry.flight:
                        self.outbox.save(replace(current, handed=entry.attempts == 0))
        if self._blocked_reason() or not self.dispatcher.can_start():
            return 0
        budget = KEEPALIVE_LIMIT_BYTES - self._keepalive_bytes
        ready = self._candidates(force=True)
        made = 0
        while ready:
            chunk = _take_chunk(ready, self._solo, min(UNLOAD_CHUNK_BYTES, budget))
            if not chunk:
                break
            size = body_bytes(chunk)
            if size > budget:
                break
            token, claimed = self._claim(chunk, handed=True)  # marked before the request
            pending = self.dispatcher.start(flatten(claimed))
            self._fly(token, claimed, True, size)
            budget -= size
            made += 1
            ready = ready[len(chunk) :]
            self._watch(token, claimed, pending)
        return made

    def _watch(self, token: str, entries: list[Entry], pending: Awaitable[Attempt]) -> None:
        """Settle an unload request if the page lives to see its answer."""

        async def settle() -> None:
            try:
                attempt = await pending
            finally:
                self._land(token)
            self._settle(token, entries, attempt)
            self._arm_timer()

        def done(task: "asyncio.Task[None]") -> None:
            self._background.discard(task)
            if task.cancelled() and inspect.iscoroutine(pending):
                pending.close()  # cancelled before it started: nobody will await it

        try:
            task = _loop().create_task(settle())
        except RuntimeError:  # no event loop: the answer will not be seen by this page
            if inspect.iscoroutine(pending):
                pending.close()
            return
        self._background.add(task)
        task.add_done_callback(done)

    # -- timers and reports ----------------------------------------------------------------

    def next_wakeup(self) -> float | None:
        """Return when the next flush should run (epoch seconds), or None for never."""
        if self._blocked_reason() in ("offline", "not sending: opted out or tracking refused"):
            return None
        now = self._ports.clock()
        wakes: list[float] = []
        if self._lock_busy:
            wakes.append(now + self.policy.retry_base_s)
        for entry in self.outbox.entries():
            if entry.tracker_key != self.tracker_key:
                continue
            if entry.in_flight(now):
                if entry.flight not in self._flights:
                    wakes.append(entry.until)
            else:
                wakes.append(entry.due)
        if not wakes:
            return None
        return max(min(wakes), self.paused_until(), now + MIN_WAKE_S)

    def _arm_timer(self) -> None:
        self._cancel_timer()
        self._cancel_timer = _no_cancel
        wake = self.next_wakeup()
        if wake is None:
            return
        delay = wake - self._ports.clock()
        self._cancel_timer = self._ports.timer(delay, lambda: self._kick(force=False))

    def _queued_outcome(self, reason: str) -> SendOutcome:
        return SendOutcome(self._last_status if self._failing else 0, False, None, reason, True)

    def _resolve(self, entry_id: str, outcome: SendOutcome) -> None:
        waiter = self._waiters.pop(entry_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(outcome)

    def _report(self, message: str, *, status: int, retryable: bool) -> None:
        self._ports.report(DeliveryError(message, status=status, retryable=retryable))


def _take_chunk(ready: Sequence[Entry], solo: set[str], limit: int) -> list[Entry]:
    """Return the longest prefix of `ready` that fits one request (at least one entry)."""
    chunk: list[Entry] = []
    count = 0
    size = 2
    for entry in ready:
        entry_size = serialized_size(list(entry.body)) - 2
        if chunk and (
            entry.id in solo
            or chunk[0].id in solo
            or count + len(entry.body) > MAX_BATCH_SIZE
            or size + 1 + entry_size > limit
        ):
            break
        chunk.append(entry)
        count += len(entry.body)
        size += entry_size + (1 if len(chunk) > 1 else 0)
    return chunk
