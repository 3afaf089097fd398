"""The persisted outbox: the queued entries in storage, an index of them in memory, the caps.

Each entry handed to delivery is written here *before* it is sent, one storage key per entry
(xo_web.delivery.entry), so tabs that add entries never overwrite each other; only the tab
holding the outbox lock changes existing entries (and a tab changes the open entry it is
appending to). A stored value that does not decode is removed (the outbox repairs what it owns)
and counted, never sent; keys that do not start with the entry prefix are never touched.

The outbox keeps an **index in memory** of every entry it knows (the ones this page wrote, and
the other tabs' ones as of the last `refresh`), with their sizes and running totals, so adding
an entry costs one `setItem` and no read. Storage is read back only by `refresh` (once per
flush, under the outbox lock, at boot and at page hide), by `get` (one key) and, rarely, before
evicting.

Caps (xo_web.delivery.retry.RetryPolicy): at most `max_entries` entries and `max_bytes` UTF-8
bytes are persisted; an entry that does not fit stays in memory for this page only (and is
persisted once room frees), up to `max_memory_bytes`. Past that, or past `max_activities`
activities in all, the oldest entries are evicted and returned to the caller, which reports
them.
"""

from collections.abc import Callable, Iterable
from typing import Protocol

from xo_web.core.keys import OUTBOX_ENTRY_PREFIX
from xo_web.core.validation import FullValidationNeeded, HeldCalls
from xo_web.delivery.entry import Entry, decode_entry, order_key
from xo_web.delivery.retry import RetryPolicy

REFRESH_BEFORE_EVICT_EVERY = 100  # adds between two re-reads of storage when a cap is hit

Keep = Iterable[str] | Callable[[], Iterable[str]]
"""Ids of entries never to evict, or a function returning them (called only when evicting)."""


class KeyedStorage(Protocol):
    """A Storage that never raises, lists its keys and says whether its last read failed.

    xo_web.core.storage.GuardedStorage is the one implementation.
    """

    last_read_failed: bool

    def get(self, key: str) -> str | None:
        """Return the value under `key`, or None (also when storage failed)."""
        ...

    def set(self, key: str, value: str) -> bool:
        """Store `value` under `key`; return whether storage took it."""
        ...

    def remove(self, key: str) -> bool:
        """Delete `key`; return whether storage took it."""
        ...

    def list_keys(self) -> list[str]:
        """Return the keys currently stored."""
        ...


class Outbox:
    """Writes, indexes, validates and caps the queued entries in a KeyedStorage."""

    def __init__(
        self,
        storage: KeyedStorage,
        *,
        policy: RetryPolicy,
        warn: Callable[[str], None],
        held: HeldCalls | None = None,
    ) -> None:
        self.policy = policy
        self._held = held  # the full validator: some stored entries need it to be read
        self._storage = storage
        self._warn = warn
        self._warned = False
        self._index: dict[str, Entry] = {}  # key -> every entry known, any tab
        self._stored: set[str] = set()  # keys of indexed entries that are persisted
        self._own: set[str] = set()  # keys this page wrote (storage may not list keys)
        self._raw: dict[str, str] = {}  # key -> the stored form last read or written
        self._adds_since_refresh = 0
        self.stored_bytes = 0
        self.memory_bytes = 0
        self.activities = 0
        self.corrupt = 0
        self.reads = 0  # storage reads of entries (getItem), for tests and benchmarks

    # -- reading ---------------------------------------------------------------------------

    def known(self) -> list[Entry]:
        """Return the indexed entries, oldest first, without reading storage."""
        return sorted(self._index.values(), key=order_key)

    def peek(self, entry_id: str) -> Entry | None:
        """Return the indexed state of one entry, without reading storage."""
        return self._index.get(OUTBOX_ENTRY_PREFIX + entry_id)

    def refresh(self) -> list[Entry]:
        """Re-read every stored entry (other tabs' too) into the index; return all, oldest first.

        Invalid stored values are removed. Values unchanged since the last read are not
        decoded again.
        """
        self._adds_since_refresh = 0
        listed = {k for k in self._storage.list_keys() if k.startswith(OUTBOX_ENTRY_PREFIX)}
        keys = listed | (self._own & self._stored) | {k for k in self._own if k in listed}
        for key in keys:
            self._read(key)
        for key in [k for k in self._stored if k not in keys]:
            self._forget(key)  # listed no more: another tab delivered or evicted it
        self._promote()
        return self.known()

    def get(self, entry_id: str) -> Entry | None:
        """Return the current state of one entry (one read), or None if it is gone or invalid."""
        key = OUTBOX_ENTRY_PREFIX + entry_id
        if key in self._index and key not in self._stored:
            return self._index[key]  # kept in memory only
        return self._read(key)

    def _read(self, key: str) -> Entry | None:
        self.reads += 1
        raw = self._storage.get(key)
        if raw is None:
            if self._unreadable() and key in self._index:
                return self._index[key]  # storage failed: the copy in memory holds
            self._forget(key)
            return None
        if self._raw.get(key) == raw and key in self._index:
            return self._index[key]
        ready = self._held.validation.ready if self._held else _always
        try:
            entry = decode_entry(key, raw, max_chars=self.policy.max_bytes + 4096, full_ready=ready)
        except FullValidationNeeded:  # kept as stored; read again once it is loaded
            if self._held is not None:
                self._held.load_soon()
            return None
        if entry is None:
            self._drop_corrupt(key)
            return None
        self._raw[key] = raw
        self._put(entry, stored=True)
        return entry

    def _unreadable(self) -> bool:
        """True when the latest read failed (ports.GuardedStorage says so), not a miss."""
        return self._storage.last_read_failed

    def _drop_corrupt(self, key: str) -> None:
        self.corrupt += 1
        self._storage.remove(key)
        self._forget(key)
        if not self._warned:
            self._warned = True
            self._warn(
                f"xo_web: removed an unreadable delivery queue entry ({key}); "
                "queue entries are validated and never sent as stored"
            )

    # -- the index -------------------------------------------------------------------------

    def _put(self, entry: Entry, *, stored: bool) -> None:
        self._forget(entry.key, keep_raw=True)
        self._index[entry.key] = entry
        self.activities += len(entry.body)
        if stored:
            self._stored.add(entry.key)
            self.stored_bytes += entry.size
        else:
            self.memory_bytes += entry.size

    def _forget(self, key: str, *, keep_raw: bool = False) -> None:
        old = self._index.pop(key, None)
        if not keep_raw:
            self._raw.pop(key, None)
            self._own.discard(key)
        if old is None:
            self._stored.discard(key)
            return
        self.activities -= len(old.body)
        if key in self._stored:
            self._stored.discard(key)
            self.stored_bytes -= old.size
        else:
            self.memory_bytes -= old.size

    def _fits_storage(self, entry: Entry, *, replacing: Entry | None = None) -> bool:
        count = len(self._stored) - (1 if replacing is not None else 0)
        total = self.stored_bytes - (replacing.size if replacing is not None else 0)
        return count < self.policy.max_entries and total + entry.size <= self.policy.max_bytes

    # -- writing ---------------------------------------------------------------------------

    def add(self, entry: Entry, *, keep: Keep = ()) -> list[Entry]:
        """Write `entry` through (or keep it in memory if storage is full for it), then evict
        the oldest entries beyond the caps (never those with an id in `keep`, or in what
        `keep()` returns); return them."""
        entry, raw = entry.sized()
        if self._fits_storage(entry):
            self._write(entry, raw)
        else:
            self._put(entry, stored=False)
        self._adds_since_refresh += 1
        return self._evict_beyond_caps(entry, keep)

    def grow(self, entry: Entry, *, keep: Keep = (), raw: str | None = None) -> list[Entry] | None:
        """Replace the open entry by `entry` (the same one with more sends), written through.

        `raw` is its stored form when the caller has it (then `entry.size` must be its size).
        Return the entries evicted for it, or None (nothing changed) when the grown entry no
        longer fits where the open one lives; the caller then starts a new entry.
        """
        key = entry.key
        old = self._index.get(key)
        if old is None:
            return None
        if raw is None:
            entry, raw = entry.sized()
        if key in self._stored:
            if not self._fits_storage(entry, replacing=old):
                return None
            # `_write` for an indexed, stored entry, inlined: this runs on every coalesced send.
            self._storage.set(key, raw)
            self._own.add(key)
            self._raw[key] = raw
            self._index[key] = entry
            self.activities += len(entry.body) - len(old.body)
            self.stored_bytes += entry.size - old.size
        else:
            self._put(entry, stored=False)
        return self._evict_beyond_caps(entry, keep)

    def _evict_beyond_caps(self, entry: Entry, keep: Keep) -> list[Entry]:
        if not self._over():
            return []
        ids = keep() if callable(keep) else keep
        return self._evict(keep={entry.key, *(OUTBOX_ENTRY_PREFIX + i for i in ids)})

    def save(self, entry: Entry) -> None:
        """Write the current state of `entry` (where it lives: storage or memory)."""
        entry, raw = entry.sized()
        if entry.key in self._index and entry.key not in self._stored:
            self._put(entry, stored=False)
            return
        self._write(entry, raw)

    def _write(self, entry: Entry, raw: str) -> None:
        self._storage.set(entry.key, raw)
        self._own.add(entry.key)
        self._raw[entry.key] = raw
        self._put(entry, stored=True)

    def remove(self, entry_id: str) -> None:
        """Delete one entry by id (a no-op when it is already gone)."""
        key = OUTBOX_ENTRY_PREFIX + entry_id
        if key in self._index and key not in self._stored:
            self._forget(key)
            return
        self._storage.remove(key)
        self._forget(key)
        self._promote()

    def clear(self) -> int:
        """Delete every entry (opt-out); return how many there were."""
        entries = self.refresh()
        for entry in entries:
            self.remove(entry.id)
        return len(entries)

    def _promote(self) -> None:
        """Persist entries kept in memory, oldest first, while storage has room for them."""
        if len(self._index) == len(self._stored):
            return  # nothing waits in memory
        waiting = [e for k, e in self._index.items() if k not in self._stored]
        for entry in sorted(waiting, key=order_key):
            if not self._fits_storage(entry):
                return
            self._write(entry, entry.encode())

    def _over(self) -> bool:
        policy = self.policy
        return self.activities > policy.max_activities or (
            self.memory_bytes > policy.max_memory_bytes
        )

    def _evict(self, *, keep: set[str]) -> list[Entry]:
        if not self._over():
            return []
        if self._adds_since_refresh >= REFRESH_BEFORE_EVICT_EVERY:
            self.refresh()  # other tabs may have delivered what the index still counts
        evicted: list[Entry] = []
        for entry in self.known():
            if not self._over():
                break
            if entry.key in keep:
                continue
            stored = entry.key in self._stored
            if stored and entry.key not in self._own and self._read(entry.key) is None:
                continue  # already gone: nothing to evict
            if stored:
                self._storage.remove(entry.key)
            self._forget(entry.key)
            evicted.append(entry)
        self._promote()
        return evicted


def _always() -> bool:
    return True
