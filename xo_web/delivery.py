"""Delivery: the seam between the Tracker and the collector, and the persisted retry outbox.

`Dispatcher` turns a batch of wire dicts into a request, sends it and classifies the answer:
2xx is success (decided by the status alone); 408, 425, 429, 5xx and network failures are
retryable; other statuses are permanent. `Delivery` puts the outbox (xo_web.outbox) behind it:

- `enqueue` writes a batch to storage *before* anything is sent; `deliver` then flushes and
  resolves with the outcome of the first attempt that carried the batch (`queued=True` when it
  stays in the outbox for a retry).
- Sends made in the same tick (before the event loop runs again) are coalesced into one open
  entry, hence one request: each send rewrites that entry in place at once (one `setItem` of one
  key of at most COALESCE_BYTES, so a send is persisted when `send` returns, and a page that
  goes away in the same tick sends it from its page-hide flush). The entry is closed at the
  end of the tick (`call_soon`), when it is claimed, or when the next send would take it past
  MAX_BATCH_SIZE activities or COALESCE_BYTES; each send's awaitable resolves with the outcome
  of its entry. Each send is kept as a part of the entry, so a 400 for a merged request is
  narrowed down to the send that caused it.
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
from xo_web.models import MAX_BATCH_SIZE, dumps
from xo_web.outbox import Entry, Outbox, encode_activity, request_body
from xo_web.ports import Cancel, Clock, HttpRequest, HttpResponse, IdFactory, Timer, Transport

STORAGE_PREFIX = "attraqt"
PAUSE_STORAGE_KEY = "attraqtpause"
KEEPALIVE_LIMIT_BYTES = 64 * 1024
UNLOAD_CHUNK_BYTES = 16 * 1024
# The body of an open entry: each send of a tick rewrites it, so it stays small (requests
# still merge entries up to MAX_BATCH_SIZE / 64 KiB); one page-hide chunk can carry it.
COALESCE_BYTES = 8 * 1024
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
        self,
        batch: Sequence[Mapping[str, object]],
        *,
        keepalive: bool | None = None,
        body: tuple[str, int] | None = None,
    ) -> HttpRequest:
        """Return the POST for `batch`; keepalive when the body fits the browser's limit.

        `body` is the already encoded batch and its UTF-8 size, when the caller has them.
        """
        if body is None:
            text = encode_batch(batch)
            body = text, len(text.encode("utf-8"))
        text, size = body
        fits = size <= KEEPALIVE_LIMIT_BYTES
        return HttpRequest(
            url=self.endpoint,
            body=text,
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
        self,
        batch: Sequence[Mapping[str, object]],
        *,
        keepalive: bool | None = None,
        body: tuple[str, int] | None = None,
    ) -> Attempt:
        """Send `batch` once and classify the answer (nothing is reported)."""
        request = self.build_request(batch, keepalive=keepalive, body=body)
        return await self._settle(self.transport.send(request))

    def can_start(self) -> bool:
        """True when the transport can begin a request synchronously (see ports.Starter)."""
        return callable(getattr(self.transport, "start", None))

    def start(
        self, batch: Sequence[Mapping[str, object]], *, body: tuple[str, int] | None = None
    ) -> Awaitable[Attempt]:
        """Begin a keepalive request for `batch` synchronously; await it for the Attempt."""
        starter = self.transport.start  # type: ignore[attr-defined]
        request = self.build_request(batch, keepalive=True, body=body)
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
    return request_body(entries)[1]


def _maybe_loop() -> asyncio.AbstractEventLoop | None:
    """Return the loop a send can schedule on (Pyodide's page loop), or None outside one."""
    try:
        return _loop()
    except RuntimeError:
        return None


@dataclass
class _Flight:
    entries: list[Entry]
    keepalive: bool
    size: int


@dataclass(frozen=True)
class Ticket:
    """One send's place in the outbox: its entry, and the future of its outcome if made yet."""

    entry_id: str
    waiter: "asyncio.Future[SendOutcome] | None" = None


Encoded = Sequence[tuple[str, int]]


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
        # entry id -> one list of waiting futures per send (part) of the entry, in order
        self._waiters: dict[str, list[list[asyncio.Future[SendOutcome]]]] = {}
        self._open: str | None = None  # the entry this tick's sends are appended to
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
            previous._open = None
            previous._cancel_timer()
        self.outbox.refresh()  # boot: what earlier pages and other tabs left, for the timers

    @property
    def lease_s(self) -> float:
        """How long an in-flight claim protects an entry: the request timeout plus a margin."""
        return self.dispatcher.timeout_s + LEASE_MARGIN_S

    # -- accepting -------------------------------------------------------------------------

    def enqueue(self, batch: Sequence[dict[str, object]], encoded: Encoded | None = None) -> Ticket:
        """Write `batch` to the outbox now (before any request) and return the send's ticket.

        `encoded` gives each activity's JSON text and UTF-8 size when the caller has them
        (Tracker.prepare does), so nothing is encoded twice. Within one tick the batch is
        appended to the open entry when it fits, else it opens a new entry.
        """
        pairs = list(encoded) if encoded is not None else [encode_activity(a) for a in batch]
        texts = tuple(text for text, _ in pairs)
        sizes = tuple(size for _, size in pairs)
        loop = _maybe_loop()
        self.stats.accepted += len(batch)
        entry_id = self._append(batch, texts, sizes)
        if entry_id is None:
            entry_id = self._start_entry(batch, texts, sizes, loop)
        waiter: asyncio.Future[SendOutcome] | None = None
        if loop is not None:
            waiter = loop.create_future()
            self._waiters[entry_id][-1].append(waiter)
        return Ticket(entry_id, waiter)

    def _append(
        self, batch: Sequence[dict[str, object]], texts: tuple[str, ...], sizes: tuple[int, ...]
    ) -> str | None:
        """Append the batch to the open entry, written through; None when it cannot take it."""
        if self._open is None:
            return None
        current = self.outbox.peek(self._open)
        if (
            current is None
            or current.flight is not None
            or current.attempts
            or len(current.body) + len(batch) > MAX_BATCH_SIZE
            or current.body_bytes() + sum(sizes) + len(sizes) > COALESCE_BYTES
        ):
            self._open = None
            return None
        current = current.encoded()
        grown = replace(
            current,
            body=current.body + tuple(batch),
            texts=current.texts + texts,
            sizes=current.sizes + sizes,
            parts=(*current.part_counts, len(batch)),
        )
        evicted = self.outbox.grow(grown, keep=self._busy())
        if evicted is None:
            self._open = None
            return None
        parts = self._waiters.setdefault(current.id, [[] for _ in current.part_counts])
        parts.append([])
        self._evicted(evicted)
        return current.id

    def _start_entry(
        self,
        batch: Sequence[dict[str, object]],
        texts: tuple[str, ...],
        sizes: tuple[int, ...],
        loop: asyncio.AbstractEventLoop | None,
    ) -> str:
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
            texts=texts,
            sizes=sizes,
        )
        self._waiters[entry.id] = [[]]
        evicted = self.outbox.add(entry, keep=self._busy())
        self._open = None
        if loop is not None and len(batch) < MAX_BATCH_SIZE:
            self._open = entry.id
            loop.call_soon(self._close, entry.id)  # the tick ends: later sends start anew
        self._evicted(evicted)
        return entry.id

    def _close(self, entry_id: str) -> None:
        if self._open == entry_id:
            self._open = None

    def _busy(self) -> set[str]:
        """Return the ids of this tab's entries that must not be evicted: open or in flight."""
        busy = {entry.id for flight in self._flights.values() for entry in flight.entries}
        if self._open is not None:
            busy.add(self._open)
        return busy

    def _evicted(self, evicted: list[Entry]) -> None:
        if not evicted:
            return
        count = sum(len(e.body) for e in evicted)
        self.stats.evicted += count
        for old in evicted:
            self._solo.discard(old.id)
            self._resolve(old.id, self._queued_outcome("evicted from the full queue"))
        self._report(
            f"the delivery queue is full; dropped the {count} oldest queued activities",
            status=0,
            retryable=False,
        )

    async def deliver(self, ticket: Ticket) -> SendOutcome:
        """Flush and return the outcome of the first attempt carrying the ticket's send."""
        waiter = ticket.waiter
        if waiter is None:  # enqueued outside an event loop
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(ticket.entry_id, [[]])[-1].append(waiter)
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
        self._open = None
        for task in (self._task, *self._background):
            if task is not None and not task.done():
                task.cancel()
        for entry_id in list(self._waiters):
            self._resolve(entry_id, self._queued_outcome("the page went away"))

    def drop_all(self) -> int:
        """Forget every queued entry (opt-out); return how many activities were dropped."""
        dropped = sum(len(e.body) for e in self.outbox.refresh())
        self.outbox.clear()
        self._open = None
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
            self.outbox.refresh()  # once per flush: what other tabs and pages left
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
        """Return the entries that may be sent now, in order, dropping dead ones on the way.

        Works on the outbox index (no storage reads); `_next_chunk` checks what it takes.
        """
        now = self._ports.clock()
        blocked: set[str] = set()
        expired: list[Entry] = []
        ready: list[Entry] = []
        for entry in self.outbox.known():
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
            self._solo.discard(entry.id)
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
        """Return the next request's entries, each checked against storage (one read each)."""
        for _ in range(8):
            ready = self._candidates(force=force)
            chunk = _take_chunk(ready, self._solo, limit)
            checked: list[Entry] = []
            for entry in chunk:
                current = self.outbox.get(entry.id)
                if current is not entry and current != entry:
                    break  # another tab changed or removed it since the flush began
                checked.append(entry)
            if checked or not chunk:
                return checked
        return []

    async def _send(self, chunk: list[Entry]) -> bool:
        part = _by_part(chunk, self._solo)
        token, claimed = self._claim(chunk, handed=False)
        body = request_body(claimed, first_part=part)
        keepalive = body[1] + self._keepalive_bytes <= KEEPALIVE_LIMIT_BYTES
        self._fly(token, claimed, keepalive, body[1])
        try:
            batch = _activities(claimed, first_part=part)
            attempt = await self.dispatcher.attempt(batch, keepalive=keepalive, body=body)
        finally:
            self._land(token)
        if part:
            return self._settle_part(token, claimed[0], attempt)
        return self._settle(token, claimed, attempt)

    def _claim(self, chunk: list[Entry], *, handed: bool) -> tuple[str, list[Entry]]:
        token = self._ports.new_id()
        until = self._ports.clock() + self.lease_s
        claimed = []
        for entry in chunk:
            if entry.id == self._open:
                self._open = None  # later sends of this tick go to a new entry
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

    def _finish(self, token: str, entry: Entry) -> None:
        """Remove a claimed entry after a final answer, unless it changed since the claim.

        An entry changed by someone else (re-claimed after the lease, or grown by the tab that
        is still appending to it) stays, to be sent again: at least once, never lost.
        """
        current = self.outbox.get(entry.id)
        if current is not None and current.flight == token:
            self.outbox.remove(entry.id)
            self._solo.discard(entry.id)

    def _settle(self, token: str, entries: list[Entry], attempt: Attempt) -> bool:
        """Apply an attempt's answer to its entries (by id); return True to keep flushing."""
        outcome = attempt.outcome
        if outcome.ok:
            for entry in entries:
                self._finish(token, entry)
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
        several = len(entries) > 1 or len(entries[0].part_counts) > 1
        if several and outcome.status in SPLIT_STATUSES:
            for entry in entries:  # find the bad send: one send per request from now on
                self._solo.add(entry.id)
                self._release(token, entry, attempts=entry.attempts, due=entry.due)
            return True
        for entry in entries:
            self._finish(token, entry)
            self._resolve(entry.id, outcome)
        self.stats.rejected += sum(len(e.body) for e in entries)
        self._report(attempt.message, status=outcome.status, retryable=False)
        return True

    def _settle_part(self, token: str, entry: Entry, attempt: Attempt) -> bool:
        """Apply the answer for the first send of an entry sent one send at a time."""
        outcome = attempt.outcome
        count = entry.part_counts[0]
        self._last_status = outcome.status
        if not outcome.ok:
            self.stats.failures += 1
            if attempt.retryable:
                self._retry_later(token, [entry], attempt)
                return False
        current = self.outbox.get(entry.id)
        if current is not None and current.flight == token:
            rest = _without_first_part(current)
            if rest is None:
                self.outbox.remove(entry.id)
                self._solo.discard(entry.id)
            else:
                self.outbox.save(replace(rest, flight=None, until=0.0, handed=False))
        parts = self._waiters.get(entry.id)
        if parts:
            for waiter in parts.pop(0):
                if not waiter.done():
                    waiter.set_result(outcome)
            if not parts:
                del self._waiters[entry.id]
        if outcome.ok:
            self.stats.delivered += count
            self._failing = False
        else:
            self.stats.rejected += count
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
        """Send what fits the keepalive budget now, synchronously; return the requests made.

        The open entry of this tick is already written through, so it is sent like any other.
        """
        for flight in self._flights.values():  # already on keepalive requests: hand them off
            if flight.keepalive:
                for entry in flight.entries:
                    current = self.outbox.get(entry.id)
                    if current is not None and current.flight == entry.flight:
                        self.outbox.save(replace(current, handed=entry.attempts == 0))
        if self._blocked_reason() or not self.dispatcher.can_start():
            return 0
        budget = KEEPALIVE_LIMIT_BYTES - self._keepalive_bytes
        self.outbox.refresh()
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
            body = request_body(claimed)
            pending = self.dispatcher.start(_activities(claimed), body=body)
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
        for entry in self.outbox.known():
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
        """Resolve the waiting sends of every part of an entry."""
        for waiters in self._waiters.pop(entry_id, ()):
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(outcome)

    def _report(self, message: str, *, status: int, retryable: bool) -> None:
        self._ports.report(DeliveryError(message, status=status, retryable=retryable))


def _by_part(chunk: Sequence[Entry], solo: set[str]) -> bool:
    """True when the chunk is one entry of several sends, to be sent one send at a time."""
    return len(chunk) == 1 and chunk[0].id in solo and len(chunk[0].part_counts) > 1


def _activities(entries: Sequence[Entry], *, first_part: bool = False) -> list[dict[str, Any]]:
    """Return the activities a request carries (only the first send with `first_part`)."""
    if first_part:
        return list(entries[0].body[: entries[0].part_counts[0]])
    return [activity for entry in entries for activity in entry.body]


def _without_first_part(entry: Entry) -> Entry | None:
    """Return `entry` without its first send, or None when that was its only one."""
    counts = entry.part_counts
    if len(counts) < 2:
        return None
    entry = entry.encoded()
    take = counts[0]
    rest = counts[1:]
    return replace(
        entry,
        body=entry.body[take:],
        texts=entry.texts[take:],
        sizes=entry.sizes[take:],
        parts=rest if len(rest) > 1 else (),
    )


def _take_chunk(ready: Sequence[Entry], solo: set[str], limit: int) -> list[Entry]:
    """Return the longest prefix of `ready` that fits one request (at least one entry)."""
    chunk: list[Entry] = []
    count = 0
    size = 2
    for entry in ready:
        entry_size = entry.body_bytes() - 2
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
