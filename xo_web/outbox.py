"""The persisted outbox: one storage key per queued entry, an in-memory index, and the caps.

Each entry handed to delivery is written here *before* it is sent, under
`attraqtoutbox:<id>` (ENTRY_PREFIX + the entry id), as compact JSON::

    {"v": 1, "id": "…", "k": "<tracker key>", "tab": "<tab id>", "seq": 7,
     "at": <created, epoch s>, "n": <failed attempts>, "due": <not before, epoch s>,
     "fl": "<token of the attempt in flight>" | null, "until": <in-flight lease end>,
     "h": <handed to the browser by a keepalive request at page hide>,
     ["p": [<activities of each send>, …],]  (only when the entry holds several sends)
     "body": [<wire activity with its user>, …]}

One key per entry means tabs that add entries never overwrite each other; only the tab holding
the outbox lock changes existing entries (and a tab changes the open entry it is appending to).
A value that is not exactly this shape — not JSON, a wrong type, an activity that does not
validate, a huge string — is removed (the outbox repairs what it owns) and counted, never sent;
keys that do not start with ENTRY_PREFIX are never touched.

The outbox keeps an **index in memory** of every entry it knows (the ones this page wrote, and
the other tabs' ones as of the last `refresh`), with their sizes and running totals, so adding
an entry costs one `setItem` and no read. Storage is read back only by `refresh` (once per
flush, under the outbox lock, at boot and at page hide), by `get` (one key) and, rarely, before
evicting. Each activity is JSON-encoded once: an Entry carries the encoded text and UTF-8 size
of each of its activities, which the stored form and the request body reuse.

Caps (xo_web.backoff.RetryPolicy): at most `max_entries` entries and `max_bytes` UTF-8 bytes
are persisted; an entry that does not fit stays in memory for this page only (and is persisted
once room frees), up to `max_memory_bytes`. Past that, or past `max_activities` activities in
all, the oldest entries are evicted and returned to the caller, which reports them.
"""

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from xo_web.backoff import RetryPolicy
from xo_web.errors import ValidationError
from xo_web.models import MAX_BATCH_SIZE, dumps, parse_activities, to_wire

ENTRY_PREFIX = "attraqtoutbox:"
FORMAT_VERSION = 1
ENTRY_ID_PATTERN = re.compile(r"[A-Za-z0-9-]{1,64}")
_FIELDS = frozenset({"v", "id", "k", "tab", "seq", "at", "n", "due", "fl", "until", "h", "body"})
_PARTS_FIELD = "p"
REFRESH_BEFORE_EVICT_EVERY = 100  # adds between two re-reads of storage when a cap is hit


class KeyedStorage(Protocol):
    """A Storage that never raises and can list its keys (ports.GuardedStorage)."""

    def get(self, key: str) -> str | None:
        """Return the value under `key`, or None."""
        ...

    def set(self, key: str, value: str) -> None:
        """Store `value` under `key`."""
        ...

    def remove(self, key: str) -> None:
        """Delete `key`."""
        ...

    def list_keys(self) -> list[str]:
        """Return the keys currently stored."""
        ...


def encode_activity(activity: Mapping[str, object]) -> tuple[str, int]:
    """Return the wire JSON of one activity and its size in UTF-8 bytes."""
    text = dumps(activity)
    return text, len(text) if text.isascii() else len(text.encode("utf-8"))


@dataclass(frozen=True)
class Entry:
    """One queued entry: wire activities (each with the user it had when sent) and its state.

    `parts` gives how many activities each send put in the entry when it holds several sends
    (empty for one send). `texts`/`sizes` are each activity's JSON and UTF-8 size; `size` is
    the size of the stored form. These three are derived, not compared.
    """

    id: str
    tracker_key: str
    tab: str
    seq: int
    created: float
    body: tuple[dict[str, Any], ...]
    attempts: int = 0
    due: float = 0.0
    flight: str | None = None
    until: float = 0.0
    handed: bool = False
    parts: tuple[int, ...] = ()
    size: int = field(default=0, compare=False)
    texts: tuple[str, ...] = field(default=(), compare=False, repr=False)
    sizes: tuple[int, ...] = field(default=(), compare=False, repr=False)

    @property
    def key(self) -> str:
        """The storage key of this entry."""
        return ENTRY_PREFIX + self.id

    @property
    def part_counts(self) -> tuple[int, ...]:
        """How many activities each send put in this entry, in order."""
        return self.parts if len(self.parts) > 1 else (len(self.body),)

    def in_flight(self, now: float) -> bool:
        """True while an attempt holds an unexpired in-flight lease on this entry."""
        return self.flight is not None and self.until > now

    def encoded(self) -> "Entry":
        """Return this entry with the JSON text and size of each activity filled in."""
        if len(self.texts) == len(self.body):
            return self
        pairs = [encode_activity(activity) for activity in self.body]
        return replace(self, texts=tuple(t for t, _ in pairs), sizes=tuple(s for _, s in pairs))

    def body_bytes(self) -> int:
        """Return the UTF-8 size of this entry's activities as one JSON array."""
        sizes = self.encoded().sizes
        return 2 + sum(sizes) + max(len(sizes) - 1, 0)

    def encode(self) -> str:
        """Return the stored JSON form (the activities' texts are reused, not re-encoded)."""
        head: dict[str, object] = {
            "v": FORMAT_VERSION,
            "id": self.id,
            "k": self.tracker_key,
            "tab": self.tab,
            "seq": self.seq,
            "at": self.created,
            "n": self.attempts,
            "due": self.due,
            "fl": self.flight,
            "until": self.until,
            "h": self.handed,
        }
        if len(self.parts) > 1:
            head[_PARTS_FIELD] = list(self.parts)
        texts = self.encoded().texts
        # The header is ours (validated ids and finite numbers) and read back only by Python:
        # the C encoder is enough. The activities keep the wire text made by models.dumps.
        header = json.dumps(head, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return header[:-1] + ',"body":[' + ",".join(texts) + "]}"

    def sized(self) -> tuple["Entry", str]:
        """Return this entry with its texts and stored size filled in, and the stored form."""
        entry = self.encoded()
        raw = entry.encode()
        return replace(entry, size=_utf8_len(raw)), raw


def order_key(entry: Entry) -> tuple[float, str, int]:
    """Sort key of the outbox: oldest first; within a tab, in the order the entries were made."""
    return (entry.created, entry.tab, entry.seq)


class Outbox:
    """Writes, indexes, validates and caps the queued entries in a KeyedStorage."""

    def __init__(
        self,
        storage: KeyedStorage,
        *,
        policy: RetryPolicy,
        warn: Callable[[str], None],
    ) -> None:
        self.policy = policy
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
        return self._index.get(ENTRY_PREFIX + entry_id)

    def refresh(self) -> list[Entry]:
        """Re-read every stored entry (other tabs' too) into the index; return all, oldest first.

        Invalid stored values are removed. Values unchanged since the last read are not
        decoded again.
        """
        self._adds_since_refresh = 0
        listed = {k for k in self._storage.list_keys() if k.startswith(ENTRY_PREFIX)}
        keys = listed | (self._own & self._stored) | {k for k in self._own if k in listed}
        for key in keys:
            self._read(key)
        for key in [k for k in self._stored if k not in keys]:
            self._forget(key)  # listed no more: another tab delivered or evicted it
        self._promote()
        return self.known()

    def entries(self) -> list[Entry]:
        """Return every valid entry, oldest first, as stored now (a `refresh`)."""
        return self.refresh()

    def get(self, entry_id: str) -> Entry | None:
        """Return the current state of one entry (one read), or None if it is gone or invalid."""
        key = ENTRY_PREFIX + entry_id
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
        entry = decode_entry(key, raw, max_chars=self.policy.max_bytes + 4096)
        if entry is None:
            self._drop_corrupt(key)
            return None
        self._raw[key] = raw
        self._put(entry, stored=True)
        return entry

    def _unreadable(self) -> bool:
        """True when the latest read failed (ports.GuardedStorage says so), not a miss."""
        return bool(getattr(self._storage, "last_read_failed", False))

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

    def add(self, entry: Entry, *, keep: Iterable[str] = ()) -> list[Entry]:
        """Write `entry` through (or keep it in memory if storage is full for it), then evict
        the oldest entries beyond the caps (never those with an id in `keep`); return them."""
        entry, raw = entry.sized()
        if self._fits_storage(entry):
            self._write(entry, raw)
        else:
            self._put(entry, stored=False)
        self._adds_since_refresh += 1
        return self._evict(keep={entry.key, *(ENTRY_PREFIX + i for i in keep)})

    def grow(self, entry: Entry, *, keep: Iterable[str] = ()) -> list[Entry] | None:
        """Replace the open entry by `entry` (the same one with more sends), written through.

        Return the entries evicted for it, or None (nothing changed) when the grown entry no
        longer fits where the open one lives; the caller then starts a new entry.
        """
        old = self._index.get(entry.key)
        if old is None:
            return None
        entry, raw = entry.sized()
        if entry.key in self._stored:
            if not self._fits_storage(entry, replacing=old):
                return None
            self._write(entry, raw)
        else:
            self._put(entry, stored=False)
        return self._evict(keep={entry.key, *(ENTRY_PREFIX + i for i in keep)})

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
        key = ENTRY_PREFIX + entry_id
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


def decode_entry(key: str, raw: object, *, max_chars: int) -> Entry | None:
    """Return the Entry stored under `key`, or None for anything that is not exactly one."""
    if not isinstance(raw, str) or len(raw) > max_chars:
        return None
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or value.get("v") != FORMAT_VERSION:
        return None
    names = set(value)
    if names != _FIELDS and names != _FIELDS | {_PARTS_FIELD}:
        return None
    entry_id = value["id"]
    if not isinstance(entry_id, str) or not ENTRY_ID_PATTERN.fullmatch(entry_id):
        return None
    if key != ENTRY_PREFIX + entry_id:
        return None
    texts = (value["k"], value["tab"])
    if not all(isinstance(t, str) and 0 < len(t) <= 256 for t in texts):
        return None
    if not _whole(value["seq"]) or not _whole(value["n"]):
        return None
    if not all(_number(value[name]) for name in ("at", "due", "until")):
        return None
    flight = value["fl"]
    if flight is not None and not (isinstance(flight, str) and 0 < len(flight) <= 64):
        return None
    if not isinstance(value["h"], bool):
        return None
    body = check_body(value["body"])
    if body is None:
        return None
    parts = _check_parts(value.get(_PARTS_FIELD), len(body))
    if parts is None:
        return None
    entry = Entry(
        id=entry_id,
        tracker_key=value["k"],
        tab=value["tab"],
        seq=value["seq"],
        created=float(value["at"]),
        body=body,
        attempts=value["n"],
        due=float(value["due"]),
        flight=flight,
        until=float(value["until"]),
        handed=value["h"],
        parts=parts,
        size=_utf8_len(raw),
    )
    return replace(entry.encoded(), size=entry.size)


def _check_parts(parts: object, count: int) -> tuple[int, ...] | None:
    """Return the sends' activity counts (() for one send), or None if they do not add up."""
    if parts is None:
        return ()
    if not isinstance(parts, list) or not 1 < len(parts) <= MAX_BATCH_SIZE:
        return None
    if not all(_whole(part) and part > 0 for part in parts) or sum(parts) != count:
        return None
    return tuple(parts)


def check_body(body: object) -> tuple[dict[str, Any], ...] | None:
    """Return the stored activities if each one validates and round-trips unchanged, else None.

    Each must carry a user with a session id (the SDK attaches one before queueing).
    """
    if not isinstance(body, list) or not 0 < len(body) <= MAX_BATCH_SIZE:
        return None
    try:
        parsed = parse_activities(body)
    except (ValidationError, RecursionError):
        return None
    wire = [to_wire(activity) for activity in parsed]
    if wire != body:
        return None
    for activity in wire:
        user = activity.get("user")
        identities = user.get("identities") if isinstance(user, dict) else None
        if not isinstance(identities, dict) or "sessionid" not in identities:
            return None
    return tuple(wire)


def activity_count(entries: Iterable[Entry]) -> int:
    """Return how many activities `entries` hold."""
    return sum(len(entry.body) for entry in entries)


def flatten(entries: Sequence[Entry]) -> list[Mapping[str, object]]:
    """Return the activities of `entries`, in order, as one request body list."""
    return [activity for entry in entries for activity in entry.body]


def request_body(entries: Sequence[Entry], *, first_part: bool = False) -> tuple[str, int]:
    """Return the request body carrying `entries` (JSON array) and its UTF-8 size.

    With `first_part`, only the first send of the single entry given. Nothing is re-encoded.
    """
    texts: list[str] = []
    sizes: list[int] = []
    for entry in entries:
        encoded = entry.encoded()
        take = encoded.part_counts[0] if first_part else len(encoded.texts)
        texts.extend(encoded.texts[:take])
        sizes.extend(encoded.sizes[:take])
    return "[" + ",".join(texts) + "]", 2 + sum(sizes) + max(len(sizes) - 1, 0)


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", errors="replace"))


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and abs(value) < 1e13
