"""One queued entry of the outbox: its fields, its stored JSON form, and reading it back.

Each entry is stored under `attraqtoutbox:<id>` (xo_web.core.keys) as compact JSON::

    {"v": 1, "id": "…", "k": "<tracker key>", "tab": "<tab id>", "seq": 7,
     "at": <created, epoch s>, "n": <failed attempts>, "due": <not before, epoch s>,
     "fl": "<token of the attempt in flight>" | null, "until": <in-flight lease end>,
     "h": <handed to the browser by a keepalive request at page hide>,
     ["p": [<activities of each send>, …],]  (only when the entry holds several sends)
     "body": [<wire activity with its user>, …]}

A stored value is untrusted input: `decode_entry` returns an Entry only for exactly this shape
(activities that validate and round-trip unchanged, each with a session id), else None. Each
activity is JSON-encoded once: an Entry carries the text and UTF-8 size of each activity, which
the stored form and the request body reuse.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from xo_web.core.keys import OUTBOX_ENTRY_PREFIX
from xo_web.core.validation import FullValidationNeeded
from xo_web.errors import ValidationError
from xo_web.wire import (
    MAX_ACTIVITY_BYTES,
    MAX_BATCH_SIZE,
    SESSION_IDENTITY,
    compact,
    dumps,
    json_array_size,
    loads_strict,
    parse_activities,
    serialized_size,
    to_wire,
    utf8_len,
)
from xo_web.wire.fast import fast_activity
from xo_web.wire.fast_user import fast_user
from xo_web.wire.rules import is_bounded_number

FORMAT_VERSION = 1
ENTRY_ID_PATTERN = re.compile(r"[A-Za-z0-9-]{1,64}")
MAX_STORED_INSTANT = 1e13  # epoch seconds far beyond any real clock
_FIELDS = frozenset({"v", "id", "k", "tab", "seq", "at", "n", "due", "fl", "until", "h", "body"})
_PARTS_FIELD = "p"


def encode_activity(activity: Mapping[str, object]) -> tuple[str, int]:
    """Return the wire JSON of one activity and its size in UTF-8 bytes."""
    text = dumps(activity)
    return text, utf8_len(text)


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
        return OUTBOX_ENTRY_PREFIX + self.id

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
        return json_array_size(self.encoded().sizes)

    def header(self) -> str:
        """Return the stored form's opening: every field but the sends' counts and the body,
        without the closing brace (an open entry keeps it while sends are appended)."""
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
        # The header is ours (validated ids and finite numbers) and read back only by Python:
        # the C encoder is enough. The activities keep the wire text made by models.dumps.
        return compact(head)[:-1]

    def encode(self) -> str:
        """Return the stored JSON form (the activities' texts are reused, not re-encoded)."""
        return stored_form(self.header(), self.parts, self.encoded().texts)

    def with_sends(
        self,
        batch: tuple[dict[str, Any], ...],
        texts: tuple[str, ...],
        sizes: tuple[int, ...],
        *,
        parts: tuple[int, ...],
        size: int,
    ) -> "Entry":
        """Return this entry (with its texts) plus one more send — `parts` is then every
        send's count — whose stored form is `size` bytes. Built by copying the fields, not
        with `dataclasses.replace`: the send path appends to the open entry on every call."""
        grown: Entry = object.__new__(Entry)
        fields = grown.__dict__
        fields.update(self.__dict__)
        fields["body"] = self.body + batch
        fields["texts"] = self.texts + texts
        fields["sizes"] = self.sizes + sizes
        fields["parts"] = parts
        fields["size"] = size
        return grown

    def sized(self) -> tuple["Entry", str]:
        """Return this entry with its texts and stored size filled in, and the stored form."""
        entry = self.encoded()
        raw = entry.encode()
        return replace(entry, size=utf8_len(raw)), raw


def stored_form(header: str, parts: tuple[int, ...], texts: Iterable[str]) -> str:
    """Return the stored JSON form from an entry's `header()`, its sends' counts and texts."""
    counts = f',"{_PARTS_FIELD}":[{",".join(map(str, parts))}]' if len(parts) > 1 else ""
    return header + counts + ',"body":[' + ",".join(texts) + "]}"


def order_key(entry: Entry) -> tuple[float, str, int]:
    """Sort key of the outbox: oldest first; within a tab, in the order the entries were made."""
    return (entry.created, entry.tab, entry.seq)


def decode_entry(
    key: str, raw: object, *, max_chars: int, full_ready: Callable[[], bool] = lambda: True
) -> Entry | None:
    """Return the Entry stored under `key`, or None for anything that is not exactly one;
    raise FullValidationNeeded when only the full validator can tell and it is not ready."""
    if not isinstance(raw, str) or len(raw) > max_chars:
        return None
    try:
        value = loads_strict(raw)
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
    if key != OUTBOX_ENTRY_PREFIX + entry_id:
        return None
    texts = (value["k"], value["tab"])
    if not all(isinstance(t, str) and 0 < len(t) <= 256 for t in texts):
        return None
    if not _whole(value["seq"]) or not _whole(value["n"]):
        return None
    instants = (value[name] for name in ("at", "due", "until"))
    if not all(is_bounded_number(v, bound=MAX_STORED_INSTANT) for v in instants):
        return None
    flight = value["fl"]
    if flight is not None and not (isinstance(flight, str) and 0 < len(flight) <= 64):
        return None
    if not isinstance(value["h"], bool):
        return None
    body = check_body(value["body"], full_ready)
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
        size=utf8_len(raw),
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


def check_body(
    body: object, full_ready: Callable[[], bool] = lambda: True
) -> tuple[dict[str, Any], ...] | None:
    """Return the stored activities if each one validates and round-trips unchanged, else None.

    Each must carry a user with a session id (the SDK attaches one before queueing). The
    shapes the SDK itself stores take the fast paths; any other needs the full validator.
    """
    if not isinstance(body, list) or not 0 < len(body) <= MAX_BATCH_SIZE:
        return None
    fast = [_fast_stored(activity) for activity in body]
    if all(fast):
        return tuple(a for a in fast if a is not None)
    if not full_ready():
        raise FullValidationNeeded
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
        if not isinstance(identities, dict) or SESSION_IDENTITY not in identities:
            return None
    return tuple(wire)


def _fast_stored(activity: object) -> dict[str, Any] | None:
    """A stored activity with its user, as the full path would return it, or None."""
    if type(activity) is not dict or not fast_user(user := activity.get("user")):
        return None
    rest = {key: value for key, value in activity.items() if key != "user"}
    fast = fast_activity(rest)
    identities = user["identities"]  # type: ignore[index]
    if fast is None or fast[0] != rest or SESSION_IDENTITY not in identities:
        return None
    if serialized_size(activity) > MAX_ACTIVITY_BYTES:
        return None
    own = {part: type(value)(value) for part, value in user.items()}  # type: ignore[union-attr]
    return {key: own if key == "user" else fast[0][key] for key in activity}


def activity_count(entries: Iterable[Entry]) -> int:
    """Return how many activities `entries` hold."""
    return sum(len(entry.body) for entry in entries)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53
