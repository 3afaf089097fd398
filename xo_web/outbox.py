"""The persisted outbox: one storage key per queued batch, validated on every read.

Each batch handed to delivery is written here *before* it is sent, under
`attraqtoutbox:<id>` (ENTRY_PREFIX + the entry id), as compact JSON::

    {"v": 1, "id": "…", "k": "<tracker key>", "tab": "<tab id>", "seq": 7,
     "at": <created, epoch s>, "n": <failed attempts>, "due": <not before, epoch s>,
     "fl": "<token of the attempt in flight>" | null, "until": <in-flight lease end>,
     "h": <handed to the browser by a keepalive request at page hide>,
     "body": [<wire activity with its user>, …]}

One key per entry means tabs that add entries never overwrite each other; only the tab holding
the outbox lock changes existing entries. A value that is not exactly this shape — not JSON, a
wrong type, an activity that does not validate, a huge string — is removed (the outbox repairs
what it owns) and counted, never sent; keys that do not start with ENTRY_PREFIX are never
touched. Entries larger than the byte cap stay in memory for this page only. The outbox is
capped by count and by UTF-8 bytes, evicting the oldest entries first.
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


@dataclass(frozen=True)
class Entry:
    """One queued batch: wire activities (each with the user it had when sent) and its state."""

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
    size: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        """The storage key of this entry."""
        return ENTRY_PREFIX + self.id

    def in_flight(self, now: float) -> bool:
        """True while an attempt holds an unexpired in-flight lease on this entry."""
        return self.flight is not None and self.until > now

    def encode(self) -> str:
        """Return the stored JSON form."""
        return dumps(
            {
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
                "body": list(self.body),
            }
        )


def order_key(entry: Entry) -> tuple[float, str, int]:
    """Sort key of the outbox: oldest first; within a tab, in the order the batches were sent."""
    return (entry.created, entry.tab, entry.seq)


class Outbox:
    """Reads, writes, validates and caps the queued entries in a KeyedStorage."""

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
        self._memory: dict[str, Entry] = {}  # too large for the cap: this page only
        self._known: set[str] = set()  # keys written by this page (storage may not list keys)
        self._cache: dict[str, tuple[str, Entry]] = {}
        self.corrupt = 0

    # -- reading ---------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """Return every valid entry, oldest first; invalid stored values are removed."""
        found: dict[str, Entry] = dict(self._memory)
        keys = {k for k in self._storage.list_keys() if k.startswith(ENTRY_PREFIX)} | self._known
        for key in keys:
            if key in found:
                continue
            raw = self._storage.get(key)
            if raw is None and self._unreadable() and key in self._cache:
                found[key] = self._cache[key][1]  # storage failed: the copy in memory holds
                continue
            if raw is None:
                self._known.discard(key)
                self._cache.pop(key, None)
                continue
            entry = self._decode(key, raw)
            if entry is None:
                self._drop_corrupt(key)
                continue
            found[key] = entry
        return sorted(found.values(), key=order_key)

    def get(self, entry_id: str) -> Entry | None:
        """Return the current state of one entry, or None if it is gone or invalid."""
        key = ENTRY_PREFIX + entry_id
        if key in self._memory:
            return self._memory[key]
        raw = self._storage.get(key)
        if raw is None:
            cached = self._cache.get(key) if self._unreadable() else None
            return cached[1] if cached is not None else None
        entry = self._decode(key, raw)
        if entry is None:
            self._drop_corrupt(key)
        return entry

    def _unreadable(self) -> bool:
        """True when the latest read failed (ports.GuardedStorage says so), not a miss."""
        return bool(getattr(self._storage, "last_read_failed", False))

    def _decode(self, key: str, raw: str) -> Entry | None:
        cached = self._cache.get(key)
        if cached is not None and cached[0] == raw:
            return cached[1]
        entry = decode_entry(key, raw, max_chars=self.policy.max_bytes + 4096)
        if entry is not None:
            self._cache[key] = (raw, entry)
        return entry

    def _drop_corrupt(self, key: str) -> None:
        self.corrupt += 1
        self._storage.remove(key)
        self._known.discard(key)
        self._cache.pop(key, None)
        if not self._warned:
            self._warned = True
            self._warn(
                f"xo_web: removed an unreadable delivery queue entry ({key}); "
                "queue entries are validated and never sent as stored"
            )

    # -- writing ---------------------------------------------------------------------------

    def add(self, entry: Entry) -> list[Entry]:
        """Write `entry` through, then evict the oldest entries beyond the caps; return them."""
        encoded = entry.encode()
        entry = replace(entry, size=len(encoded.encode("utf-8")))
        if entry.size > self.policy.max_bytes:
            self._memory[entry.key] = entry
            return []
        self.save(entry, encoded=encoded)
        return self._evict(keep=entry.key)

    def save(self, entry: Entry, *, encoded: str | None = None) -> None:
        """Write the current state of `entry`."""
        if entry.key in self._memory:
            self._memory[entry.key] = entry
            return
        raw = encoded if encoded is not None else entry.encode()
        self._storage.set(entry.key, raw)
        self._known.add(entry.key)
        self._cache[entry.key] = (raw, replace(entry, size=len(raw.encode("utf-8"))))

    def remove(self, entry_id: str) -> None:
        """Delete one entry by id (a no-op when it is already gone)."""
        key = ENTRY_PREFIX + entry_id
        if self._memory.pop(key, None) is not None:
            return
        self._storage.remove(key)
        self._known.discard(key)
        self._cache.pop(key, None)

    def clear(self) -> int:
        """Delete every entry (opt-out); return how many there were."""
        entries = self.entries()
        for entry in entries:
            self.remove(entry.id)
        return len(entries)

    def _evict(self, *, keep: str) -> list[Entry]:
        stored = [e for e in self.entries() if e.key not in self._memory]
        count = len(stored)
        total = sum(e.size for e in stored)
        evicted: list[Entry] = []
        for entry in stored:
            if count <= self.policy.max_entries and total <= self.policy.max_bytes:
                break
            if entry.key == keep:
                continue
            self.remove(entry.id)
            evicted.append(entry)
            count -= 1
            total -= entry.size
        return evicted


def decode_entry(key: str, raw: object, *, max_chars: int) -> Entry | None:
    """Return the Entry stored under `key`, or None for anything that is not exactly one."""
    if not isinstance(raw, str) or len(raw) > max_chars:
        return None
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or set(value) != _FIELDS or value["v"] != FORMAT_VERSION:
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
    return Entry(
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
        size=len(raw.encode("utf-8", errors="replace")),
    )


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


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def _number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and abs(value) < 1e13
