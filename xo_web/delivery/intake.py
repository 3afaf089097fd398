"""Accepting sends: each is written to the outbox by the end of its task, coalesced per tick.

Sends made in the same tick (before the event loop runs again) share one open entry, hence one
request: each send rewrites that entry in place (one key of at most COALESCE_BYTES). Over
localStorage the storage guard holds those writes until the task's script ends (a microtask),
so the sends of one task cost one `setItem`, written before the task is over: a page that goes
away after them still finds them in storage, and its page-hide flush sends them. The entry
is closed at the end of the tick, when it is claimed for a request, or when the next send
would take it past MAX_BATCH_SIZE activities or COALESCE_BYTES. Each send is kept as a part
of the entry, so a 400 for a merged request can be narrowed down to the send that caused it.
"""

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from xo_web.core.loop import schedulable_loop
from xo_web.core.ports import Clock, IdFactory
from xo_web.delivery.entry import Entry, stored_form
from xo_web.delivery.outbox import Outbox
from xo_web.delivery.outcome import SendOutcome
from xo_web.delivery.waiters import Waiters
from xo_web.wire import MAX_BATCH_SIZE, json_array_size, utf8_len

# The body of an open entry: each send of a tick rewrites it, so it stays small (requests
# still merge entries up to MAX_BATCH_SIZE / 64 KiB); one page-hide chunk can carry it.
COALESCE_BYTES = 8 * 1024

Encoded = Sequence[tuple[str, int]]
"""Each activity's JSON text and UTF-8 size, in order."""


@dataclass(frozen=True)
class Ticket:
    """One send's place in the outbox: its entry, and the future of its outcome if made yet."""

    entry_id: str
    waiter: "asyncio.Future[SendOutcome] | None" = None


class Intake:
    """Writes this tab's sends to the outbox, coalescing the sends of one tick."""

    def __init__(
        self,
        outbox: Outbox,
        waiters: Waiters,
        *,
        tracker_key: str,
        tab: str,
        clock: Clock,
        new_id: IdFactory,
        busy: Callable[[], set[str]],
        evicted: Callable[[list[Entry]], None],
    ) -> None:
        self._outbox = outbox
        self._waiters = waiters
        self.tracker_key = tracker_key
        self.tab = tab
        self._clock = clock
        self._new_id = new_id
        self._busy = busy
        self._evicted = evicted
        self.seq = 0
        self.last_created = 0.0
        self.open: str | None = None  # the entry this tick's sends are appended to
        # The open entry as this Intake last wrote it, its stored form's header (unchanged
        # while sends are appended) and the size of its body; looked at again when the
        # outbox holds another version of it.
        self._written: tuple[Entry | None, str, int] = (None, "", 0)

    def continue_from(self, previous: "Intake") -> None:
        """Carry on the order of a previous Intake of this tab (re-init)."""
        self.seq = previous.seq
        self.last_created = previous.last_created
        previous.open = None

    def enqueue(self, batch: Sequence[dict[str, object]], encoded: Encoded) -> Ticket:
        """Write `batch` to the outbox now (before any request) and return the send's ticket."""
        texts: tuple[str, ...]
        sizes: tuple[int, ...]
        texts, sizes = zip(*encoded, strict=True)  # a batch is never empty
        loop = schedulable_loop()
        entry_id = self._append(batch, texts, sizes)
        if entry_id is None:
            entry_id = self._start_entry(batch, texts, sizes, loop)
        waiter: asyncio.Future[SendOutcome] | None = None
        if loop is not None:
            waiter = loop.create_future()
            self._waiters.wait(entry_id, waiter)
        return Ticket(entry_id, waiter)

    def close(self, entry_ids: Iterable[str] = ()) -> None:
        """Close the open entry (if it is among `entry_ids`, or in any case when none given)."""
        ids = set(entry_ids)
        if not ids or self.open in ids:
            self.open = None

    def protected(self) -> set[str]:
        """Return the ids that must not be evicted: the open entry and those in flight."""
        busy = self._busy()
        if self.open is not None:
            busy.add(self.open)
        return busy

    def _append(
        self, batch: Sequence[dict[str, object]], texts: tuple[str, ...], sizes: tuple[int, ...]
    ) -> str | None:
        """Append the batch to the open entry, written through; None when it cannot take it."""
        if self.open is None:
            return None
        current = self._outbox.peek(self.open)
        written, header, body_bytes = self._written
        if current is not written:  # first append, or changed elsewhere: look at it again
            if current is None or current.flight is not None or current.attempts:
                self.open = None
                return None
            current = current.encoded()
            header, body_bytes = current.header(), json_array_size(current.sizes)
        assert current is not None
        body_bytes += sum(sizes) + len(sizes)
        if len(current.body) + len(batch) > MAX_BATCH_SIZE or body_bytes > COALESCE_BYTES:
            self.open = None
            return None
        counts = current.part_counts
        parts = (*counts, len(batch))
        raw = stored_form(header, parts, current.texts + texts)
        grown = current.with_sends(tuple(batch), texts, sizes, parts=parts, size=utf8_len(raw))
        evicted = self._outbox.grow(grown, keep=self.protected, raw=raw)
        if evicted is None:
            self.open = None
            return None
        self._written = (grown, header, body_bytes)
        self._waiters.add_send(current.id, len(counts))
        if evicted:
            self._evicted(evicted)
        return current.id

    def _start_entry(
        self,
        batch: Sequence[dict[str, object]],
        texts: tuple[str, ...],
        sizes: tuple[int, ...],
        loop: asyncio.AbstractEventLoop | None,
    ) -> str:
        created = max(self._clock(), self.last_created)
        self.last_created = created
        self.seq += 1
        entry = Entry(
            id=self._new_id(),
            tracker_key=self.tracker_key,
            tab=self.tab,
            seq=self.seq,
            created=created,
            body=tuple(batch),
            due=created,
            texts=texts,
            sizes=sizes,
        )
        self._waiters.open_entry(entry.id)
        evicted = self._outbox.add(entry, keep=self.protected)
        self.open = None
        if loop is not None and len(batch) < MAX_BATCH_SIZE:
            self.open = entry.id
            loop.call_soon(self.close, (entry.id,))  # the tick ends: later sends start anew
        self._evicted(evicted)
        return entry.id
