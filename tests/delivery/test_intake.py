"""Tests of the cheap send path: sends coalesced per tick, bursts without loss, O(1) reads.

Each test builds a `World` (tests/kit.py). Sends made without an `await` in
between happen in one tick, the way a page script's synchronous loop calls `send`.
"""

import asyncio
import json
from typing import Any

from tests.kit import World, answer, offline, view
from xo_web.core.keys import OUTBOX_ENTRY_PREFIX, OUTBOX_LOCK
from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.delivery.entry import decode_entry
from xo_web.delivery.intake import COALESCE_BYTES
from xo_web.delivery.outcome import SendOutcome
from xo_web.testing import MemoryStorage, TaskStorage
from xo_web.tracker import Tracker
from xo_web.wire import MAX_BATCH_SIZE


def run(coroutine: Any) -> Any:
    """Run a test scenario."""
    return asyncio.run(coroutine)


class CountingStorage(MemoryStorage):
    """A MemoryStorage counting reads of outbox entries, of other keys, and key listings."""

    def __init__(self) -> None:
        super().__init__()
        self.entry_reads = 0
        self.other_reads = 0
        self.listings = 0

    def get(self, key: str) -> str | None:
        """Count and return the value."""
        if key.startswith(OUTBOX_ENTRY_PREFIX):
            self.entry_reads += 1
        else:
            self.other_reads += 1
        return super().get(key)

    def list_keys(self) -> list[str]:
        """Count and list the keys."""
        self.listings += 1
        return super().list_keys()

    def reads(self) -> int:
        """Return every read so far, listings included."""
        return self.entry_reads + self.other_reads + self.listings


def burst(tab: Tracker, products: list[str]) -> list[Any]:
    """Send a view of each product in one tick; return the awaitables."""
    return [tab.send(view(product)) for product in products]


def test_burst_of_5000_sends_is_delivered_whole_without_eviction() -> None:
    """5,000 sends in one tick to a healthy collector: all delivered, in order, none evicted."""
    world = World()
    products = [f"p{i}" for i in range(5000)]

    async def go() -> tuple[list[SendOutcome], Any]:
        tab = world.tab()
        outcomes = await asyncio.gather(*burst(tab, products))
        await world.run(1)
        return outcomes, tab.delivery_stats

    outcomes, stats = run(go())
    assert world.collector.products() == products
    assert all(outcome.ok for outcome in outcomes)
    assert (stats.evicted, stats.delivered) == (0, 5000)
    assert world.queued() == []


def test_burst_while_the_collector_is_down_is_kept_and_delivered_later() -> None:
    """5,000 sends in one tick while the collector fails: nothing evicted, all sent later."""
    world = World()
    world.collector.script = offline
    products = [f"p{i}" for i in range(5000)]

    async def go() -> Any:
        tab = world.tab(delivery={"max_attempts": 100})
        burst(tab, products)
        await world.run(1)
        world.collector.then()
        await tab.flush()
        await world.run(5)
        return tab.delivery_stats

    stats = run(go())
    assert world.collector.products() == products
    assert stats.evicted == 0


def test_sends_in_one_tick_make_one_request() -> None:
    """Three sends without an await between them go out in one request, in call order."""
    world = World()

    async def go() -> list[SendOutcome]:
        tab = world.tab()
        return list(await asyncio.gather(*burst(tab, ["p1", "p2", "p3"])))

    outcomes = run(go())
    assert len(world.collector.requests) == 1
    assert world.collector.products() == ["p1", "p2", "p3"]
    assert outcomes == [SendOutcome(200, True, {}, None)] * 3


def test_sends_in_one_tick_are_stored_in_one_entry_before_any_request() -> None:
    """When the synchronous calls return, one stored entry already holds all their activities."""
    world = World()

    async def go() -> list[dict[str, Any]]:
        tab = world.tab()
        burst(tab, ["p1", "p2", "p3"])
        stored = world.queued()
        await world.run(1)
        return stored

    stored = run(go())
    assert [[a["target"]["product"] for a in e["body"]] for e in stored] == [["p1", "p2", "p3"]]
    assert stored[0]["p"] == [1, 1, 1]


def test_coalesced_entries_are_bounded_by_the_batch_size() -> None:
    """250 sends in one tick make requests of at most MAX_BATCH_SIZE activities, in order."""
    world = World()
    products = [f"p{i}" for i in range(250)]

    async def go() -> None:
        tab = world.tab()
        await asyncio.gather(*burst(tab, products))

    run(go())
    sizes = [len(json.loads(r.body)) for r in world.collector.requests]
    assert max(sizes) <= MAX_BATCH_SIZE
    assert world.collector.products() == products


def test_coalesced_entries_are_bounded_by_the_body_budget() -> None:
    """Large activities in one tick are split into entries of at most COALESCE_BYTES."""
    world = World()
    world.locks.held.add(OUTBOX_LOCK)  # nothing is sent: look at the stored entries

    async def go() -> None:
        tab = world.tab()
        for i in range(20):
            tab.send(view(f"p{i}", blob="x" * 1500, more="y" * 1500))
        await world.settle()

    run(go())
    stored = world.queued()
    assert len(stored) > 1
    bodies = [len(json.dumps(e["body"], separators=(",", ":"))) for e in stored]
    assert max(bodies) <= COALESCE_BYTES


def test_sends_in_separate_ticks_get_separate_entries() -> None:
    """A send after the event loop ran again starts a new entry."""
    world = World()
    world.locks.held.add(OUTBOX_LOCK)

    async def go() -> None:
        tab = world.tab()
        tab.send(view("p1"))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        tab.send(view("p2"))
        await world.settle()

    run(go())
    assert len(world.queued()) == 2


def test_order_is_kept_across_ticks_and_batches() -> None:
    """Bursts in successive ticks reach the collector in call order."""
    world = World()
    products = [f"p{i}" for i in range(330)]

    async def go() -> None:
        tab = world.tab()
        pending: list[Any] = []
        for start in range(0, 330, 110):
            pending += burst(tab, products[start : start + 110])
            await asyncio.sleep(0)
        await asyncio.gather(*pending)

    run(go())
    assert world.collector.products() == products


def test_storage_reads_per_send_do_not_grow_with_the_queue() -> None:
    """With 300 entries queued, a send reads no outbox entry and at most two other keys."""
    storage = CountingStorage()
    world = World(storage=storage)
    world.locks.held.add(OUTBOX_LOCK)  # nothing drains: the queue grows

    async def go() -> list[int]:
        tab = world.tab()
        await world.settle()
        costs = []
        for i in range(300):
            before = (storage.entry_reads, storage.listings, storage.other_reads)
            tab.send(view(f"p{i}"))
            after = (storage.entry_reads, storage.listings, storage.other_reads)
            assert after[:2] == before[:2]
            costs.append(after[2] - before[2])
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        return costs

    costs = run(go())
    assert len(world.queued()) == 300
    assert max(costs) <= 2


def test_a_flush_reads_each_stored_entry_once_per_request_at_most() -> None:
    """Delivering 300 queued entries reads storage in proportion to the entries, not squared."""
    storage = CountingStorage()
    world = World(storage=storage)
    world.locks.held.add(OUTBOX_LOCK)

    async def go() -> int:
        tab = world.tab()
        for i in range(300):
            tab.send(view(f"p{i}"))
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        await world.settle()
        world.locks.held.clear()
        before = storage.entry_reads
        await tab.flush()
        return storage.entry_reads - before

    reads = run(go())
    assert world.collector.products() == [f"p{i}" for i in range(300)]
    assert reads <= 300 * 4


def test_page_hide_in_the_same_tick_sends_the_open_entry() -> None:
    """Sends followed by a page hide before the loop runs again are carried by the hide flush."""
    world = World()

    async def go() -> int:
        tab = world.tab()
        burst(tab, ["p1", "p2"])
        made = tab._flush_on_unload()
        await world.settle()
        return made

    made = run(go())
    assert made == 1
    assert world.collector.requests[0].keepalive
    assert world.collector.products()[:2] == ["p1", "p2"]
    assert world.queued() == []


def test_a_rejected_coalesced_request_loses_only_the_bad_send() -> None:
    """A 400 for sends merged in one request is narrowed down to the send that caused it."""
    world = World()

    def script(request: HttpRequest) -> HttpResponse:
        bad = any(a["target"]["product"] == "bad" for a in json.loads(request.body))
        return answer(400) if bad else answer(200)

    world.collector.script = script

    async def go() -> list[SendOutcome]:
        tab = world.tab()
        outcomes = await asyncio.gather(*burst(tab, ["p1", "bad", "p2"]))
        await world.run(5)
        return list(outcomes)

    outcomes = run(go())
    assert world.collector.products() == ["p1", "p2"]
    assert [o.status for o in outcomes] == [200, 400, 200]
    assert world.queued() == []


def test_a_send_list_stays_whole_when_rejected() -> None:
    """A list given to one send is one part: a 400 for it is not split further."""
    world = World()

    def script(request: HttpRequest) -> HttpResponse:
        bad = any(a["target"]["product"] == "bad" for a in json.loads(request.body))
        return answer(400) if bad else answer(200)

    world.collector.script = script

    async def go() -> None:
        tab = world.tab()
        await asyncio.gather(tab.send([view("p1"), view("bad")]), tab.send(view("p2")))
        await world.run(5)

    run(go())
    assert world.collector.products() == ["p2"]


def test_burst_beyond_the_storage_cap_waits_in_memory_and_is_delivered() -> None:
    """What does not fit the persisted byte cap is kept in memory, not evicted."""
    world = World()
    world.locks.held.add(OUTBOX_LOCK)
    products = [f"p{i}" for i in range(2000)]

    async def go() -> Any:
        tab = world.tab(delivery={"max_bytes": 20_000})
        burst(tab, products)
        await world.settle()
        assert isinstance(world.storage, MemoryStorage)
        stored = sum(
            len(v) for k, v in world.storage.data.items() if k.startswith(OUTBOX_ENTRY_PREFIX)
        )
        assert stored <= 20_000
        world.locks.held.clear()
        await tab.flush()
        return tab.delivery_stats

    stats = run(go())
    assert stats.evicted == 0
    assert world.collector.products() == products
    assert world.queued() == []


def test_activity_cap_bounds_a_burst_and_reports_eviction() -> None:
    """Past max_activities in all, the oldest activities are evicted, counted and reported."""
    world = World()
    world.collector.script = offline

    async def go() -> Any:
        tab = world.tab(delivery={"max_activities": 150, "retry_base_s": 600})
        burst(tab, [f"p{i}" for i in range(400)])
        await world.settle()
        return tab.delivery_stats

    stats = run(go())
    assert 0 < stats.evicted <= 400 - 150 + MAX_BATCH_SIZE
    assert sum(len(e["body"]) for e in world.queued()) <= 150
    assert any("full" in str(e) for e in world.errors)


def test_an_entry_grown_send_by_send_is_stored_as_it_encodes() -> None:
    """Each append rewrites the open entry with exactly its canonical stored form and size."""
    storage = MemoryStorage()
    world = World(storage=storage)

    async def go() -> None:
        tab = world.tab()
        for count in range(1, 6):
            tab.send(view(f"p{count}"))
            keys = [k for k in storage.data if k.startswith(OUTBOX_ENTRY_PREFIX)]
            assert len(keys) == 1
            raw = storage.data[keys[0]]
            entry = decode_entry(keys[0], raw, max_chars=10**6)
            assert entry is not None
            assert len(entry.body) == count
            assert entry.encode() == raw
            assert entry.parts == (() if count == 1 else (1,) * count)
        await world.run(1)

    run(go())


def test_sends_of_one_task_are_persisted_by_one_write_when_the_task_ends() -> None:
    """Over localStorage (a storage that knows task ends), ten sends in one task cost one write,
    and that write holds all ten before the task is over."""
    storage = TaskStorage()
    world = World(storage=storage)

    async def go() -> tuple[int, int, list[dict[str, Any]]]:
        tab = world.tab()
        before = storage.sets
        burst(tab, [f"p{i}" for i in range(10)])
        during = storage.sets - before
        storage.end_task()
        return during, storage.sets - before, world.queued()

    during, after, stored = run(go())
    assert (during, after) == (0, 1)
    assert [len(entry["body"]) for entry in stored] == [10]


def test_a_page_hide_in_the_task_of_the_sends_still_carries_them() -> None:
    """A hide flush that runs before the task ends reads the held sends and sends them."""
    storage = TaskStorage()
    world = World(storage=storage)

    async def go() -> int:
        tab = world.tab()
        burst(tab, ["p1", "p2"])
        made = tab._flush_on_unload()
        storage.end_task()
        await world.settle()
        return made

    assert run(go()) == 1
    assert world.collector.products()[:2] == ["p1", "p2"]
