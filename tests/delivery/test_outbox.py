"""Tests of the persisted outbox: its storage format, validation of what it reads, and caps."""

import json
from dataclasses import replace
from typing import Any

import pytest

from xo_web.core.keys import OUTBOX_ENTRY_PREFIX
from xo_web.core.storage import GuardedStorage
from xo_web.delivery.entry import Entry, check_body, decode_entry
from xo_web.delivery.outbox import Outbox
from xo_web.delivery.retry import RetryPolicy
from xo_web.testing import MemoryStorage

USER = {"identities": {"sessionid": "s-1"}, "segments": [], "traits": {}}


def activity(product: str = "p", **extra: Any) -> dict[str, Any]:
    """Return a wire activity with its user."""
    return {"action": "view", "target": {"product": product, **extra}, "user": USER}


def entry(n: int, *, created: float = 100.0, body: tuple[dict[str, Any], ...] = ()) -> Entry:
    """Return entry number `n`."""
    return Entry(
        id=f"id-{n}",
        tracker_key="k",
        tab="tab",
        seq=n,
        created=created + n,
        body=body or (activity(f"p{n}"),),
    )


def outbox(storage: MemoryStorage, warnings: list[str] | None = None, **limits: int) -> Outbox:
    """Return an Outbox over `storage` with the given caps."""
    sink = warnings if warnings is not None else []
    guarded = GuardedStorage(storage, sink.append)
    return Outbox(guarded, policy=RetryPolicy(**limits), warn=sink.append)


def test_add_writes_one_key_per_entry() -> None:
    """Each batch is stored under attraqtoutbox:<id> as compact JSON."""
    storage = MemoryStorage()
    outbox(storage).add(entry(1))
    stored = json.loads(storage.data[OUTBOX_ENTRY_PREFIX + "id-1"])
    assert (stored["v"], stored["k"], stored["seq"], stored["n"]) == (1, "k", 1, 0)
    assert stored["body"] == [activity("p1")]


def test_entry_round_trips() -> None:
    """An encoded entry decodes to the same entry."""
    original = entry(3)
    assert decode_entry(original.key, original.encode(), max_chars=10**6) == original


def test_entries_come_oldest_first() -> None:
    """Entries are listed in the order they were created."""
    box = outbox(MemoryStorage())
    for n in (3, 1, 2):
        box.add(entry(n))
    assert [e.id for e in box.refresh()] == ["id-1", "id-2", "id-3"]


def test_remove_is_by_id_and_idempotent() -> None:
    """Removing an entry twice is harmless."""
    storage = MemoryStorage()
    box = outbox(storage)
    box.add(entry(1))
    box.remove("id-1")
    box.remove("id-1")
    assert storage.data == {}


def valid_raw(**changes: Any) -> str:
    """Return a stored entry with some fields replaced."""
    stored = json.loads(entry(9).encode())
    stored.update(changes)
    return json.dumps(stored)


CORRUPT = [
    "not json",
    "",
    "null",
    "[]",
    '"<script>alert(1)</script>"',
    "x" * 3_000_000,
    '{"v": 1}',
    valid_raw(v=2),
    valid_raw(id="other"),
    valid_raw(id="<b>"),
    valid_raw(seq=-1),
    valid_raw(n="1"),
    valid_raw(at=True),
    valid_raw(body=[]),
    valid_raw(body="<img src=x onerror=alert(1)>"),
    valid_raw(body=[{"action": "view"}]),
    valid_raw(body=[{"action": "view", "target": {}}]),
    valid_raw(body=[{"action": "view", "target": {}, "user": {"identities": {}}}]),
    valid_raw(body=[{**activity(), "metadata": {"price": 1e400}}]),
    valid_raw(extra=1),
    valid_raw(h="yes"),
    valid_raw(fl=5),
    valid_raw(due=1e300),
    valid_raw(p=[1]),
    valid_raw(p=[1, 1]),
    valid_raw(p="1"),
    valid_raw().replace('"n": 0', '"n": NaN'),
    valid_raw().replace('"at": 109', '"at": Infinity'),
    "[" * 100_000,
]


@pytest.mark.parametrize("raw", CORRUPT)
def test_corrupt_entry_is_removed_and_never_listed(raw: str) -> None:
    """Anything that is not exactly an entry is dropped from storage, not returned."""
    storage = MemoryStorage({OUTBOX_ENTRY_PREFIX + "id-9": raw, "other": "kept"})
    box = outbox(storage)
    assert box.refresh() == []
    assert storage.data == {"other": "kept"}
    assert box.corrupt == 1


def test_nan_in_a_stored_entry_is_refused() -> None:
    """A bare NaN constant (not JSON) makes the entry corrupt."""
    raw = valid_raw().replace('"n": 0', '"n": NaN')
    assert "NaN" in raw
    assert decode_entry(OUTBOX_ENTRY_PREFIX + "id-9", raw, max_chars=10**6) is None


def test_corruption_is_warned_about_once() -> None:
    """Many corrupt entries give one console warning."""
    warnings: list[str] = []
    storage = MemoryStorage({OUTBOX_ENTRY_PREFIX + f"x{i}": "bad" for i in range(5)})
    outbox(storage, warnings).refresh()
    assert len(warnings) == 1


def test_foreign_and_other_attraqt_keys_are_never_touched() -> None:
    """Only keys starting with attraqtoutbox: belong to the outbox."""
    seed = {"attraqtsessionid": "bad value", "attraqtoutboxlock": "junk", "shop": "<x>"}
    storage = MemoryStorage(seed)
    assert outbox(storage).refresh() == []
    assert storage.data == seed


def test_activity_cap_evicts_the_oldest() -> None:
    """Beyond max_activities the oldest entries go first, and are returned."""
    box = outbox(MemoryStorage(), max_activities=3)
    evicted = [e.id for n in range(1, 6) for e in box.add(entry(n))]
    assert evicted == ["id-1", "id-2"]
    assert [e.id for e in box.refresh()] == ["id-3", "id-4", "id-5"]


def test_byte_cap_counts_utf8_and_keeps_the_rest_in_memory() -> None:
    """The byte cap counts UTF-8 bytes (é is two); what does not fit waits in memory."""
    storage = MemoryStorage()
    size = len(entry(1, body=(activity(blob="é" * 400),)).encode().encode())
    box = outbox(storage, max_bytes=size * 2 + 10)
    for n in range(1, 4):
        assert box.add(entry(n, body=(activity(blob="é" * 400),))) == []
    assert sorted(storage.data) == [OUTBOX_ENTRY_PREFIX + "id-1", OUTBOX_ENTRY_PREFIX + "id-2"]
    assert (box.stored_bytes, box.memory_bytes) == (size * 2, size)
    assert [e.id for e in box.refresh()] == ["id-1", "id-2", "id-3"]


def test_entry_count_cap_keeps_the_rest_in_memory() -> None:
    """Beyond max_entries stored keys, new entries wait in memory instead of being evicted."""
    storage = MemoryStorage()
    box = outbox(storage, max_entries=2)
    evicted = [e for n in range(1, 5) for e in box.add(entry(n))]
    assert evicted == []
    assert len(storage.data) == 2
    assert [e.id for e in box.known()] == ["id-1", "id-2", "id-3", "id-4"]


def test_memory_entry_is_persisted_when_room_frees() -> None:
    """Removing a stored entry persists the oldest entry that waited in memory."""
    storage = MemoryStorage()
    box = outbox(storage, max_entries=2)
    for n in range(1, 4):
        box.add(entry(n))
    box.remove("id-1")
    assert sorted(storage.data) == [OUTBOX_ENTRY_PREFIX + "id-2", OUTBOX_ENTRY_PREFIX + "id-3"]


def test_memory_byte_cap_evicts_the_oldest() -> None:
    """Past max_memory_bytes of what waits in memory, the oldest entries are evicted."""
    size = len(entry(1).encode())
    box = outbox(MemoryStorage(), max_entries=1, max_memory_bytes=size * 2 + 10)
    evicted = [e.id for n in range(1, 6) for e in box.add(entry(n))]
    assert evicted == ["id-1", "id-2"]
    assert [e.id for e in box.known()] == ["id-3", "id-4", "id-5"]


class CountingStorage(MemoryStorage):
    """A MemoryStorage counting its reads and key listings."""

    def __init__(self) -> None:
        super().__init__()
        self.gets = 0
        self.listings = 0

    def get(self, key: str) -> str | None:
        """Count and return the value."""
        self.gets += 1
        return super().get(key)

    def list_keys(self) -> list[str]:
        """Count and list the keys."""
        self.listings += 1
        return super().list_keys()


def test_adding_never_reads_storage() -> None:
    """add() writes one key and reads nothing, however many entries are queued."""
    storage = CountingStorage()
    box = outbox(storage)
    for n in range(1, 301):
        box.add(entry(n))
    assert (storage.gets, storage.listings) == (0, 0)
    assert len(storage.data) == 300


def test_refresh_sees_other_tabs_entries_and_removals() -> None:
    """refresh() indexes entries another tab wrote and forgets the ones it removed."""
    storage = MemoryStorage()
    mine, other = outbox(storage), outbox(storage)
    mine.add(entry(1))
    other.add(entry(2))
    assert [e.id for e in mine.known()] == ["id-1"]
    assert [e.id for e in mine.refresh()] == ["id-1", "id-2"]
    other.refresh()
    other.remove("id-2")
    assert [e.id for e in mine.refresh()] == ["id-1"]


def test_refresh_does_not_decode_unchanged_entries_again() -> None:
    """An entry whose stored form did not change is the same object after a refresh."""
    box = outbox(MemoryStorage())
    box.add(entry(1))
    first = box.refresh()[0]
    assert box.refresh()[0] is first


def test_entry_of_several_sends_round_trips() -> None:
    """An entry holding several sends keeps their boundaries in "p"."""
    original = replace(entry(3, body=(activity("a"), activity("b"), activity("c"))), parts=(1, 2))
    raw = original.encode()
    assert json.loads(raw)["p"] == [1, 2]
    assert decode_entry(original.key, raw, max_chars=10**6) == original


def test_entry_larger_than_the_cap_stays_in_memory() -> None:
    """A batch too large for the byte cap is kept for this page but not persisted."""
    storage = MemoryStorage()
    box = outbox(storage, max_bytes=500)
    box.add(entry(1, body=(activity(blob="x" * 1000),)))
    assert storage.data == {}
    assert [e.id for e in box.refresh()] == ["id-1"]


def test_quota_failure_keeps_entries_in_memory() -> None:
    """When storage refuses the write, the entry is still listed for this page."""

    class Full(MemoryStorage):
        def set(self, key: str, value: str) -> None:
            raise OSError("QuotaExceededError")

    box = outbox(Full())
    box.add(entry(1))
    assert [e.id for e in box.refresh()] == ["id-1"]


def test_clear_removes_every_entry() -> None:
    """clear() (opt-out) empties the outbox and says how many entries it held."""
    storage = MemoryStorage({"shop": "1"})
    box = outbox(storage)
    box.add(entry(1))
    box.add(entry(2))
    assert box.clear() == 2
    assert storage.data == {"shop": "1"}


@pytest.mark.parametrize(
    "body",
    [
        [activity(), {"action": "view", "target": {"p": "\ud800"}, "user": USER}],
        [{**activity(), "metadata": {"price": float("inf")}}],
        [activity()] * 101,
    ],
)
def test_check_body_refuses_what_validation_refuses(body: list[Any]) -> None:
    """Stored activities pass the same validation as a send, or the entry is dropped."""
    assert check_body(body) is None
