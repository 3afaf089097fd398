"""Tests of the outbox lock: the Web Locks fake, the storage lease fallback, and the guard that
keeps a refusing or hanging lock service from blocking delivery."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from xo_web.core.keys import LEASE_STORAGE_KEY, OUTBOX_LOCK
from xo_web.delivery.locks import BoundedLocks, StorageLease
from xo_web.testing import BrokenStorage, FakeClock, MemoryLocks, MemoryStorage, RefusingLocks


async def no_wait(_seconds: float) -> None:
    """A Sleep that returns at once (the lease's settle delay, without real time)."""
    await asyncio.sleep(0)


async def taken(locks: MemoryLocks | StorageLease | BoundedLocks) -> bool:
    """Try the outbox lock once and say whether it was acquired."""
    async with locks.hold(OUTBOX_LOCK) as held:
        return held


def test_memory_locks_exclude_a_second_holder() -> None:
    """While one holder has the lock, another attempt yields False without waiting."""
    locks = MemoryLocks()

    async def go() -> tuple[bool, bool]:
        async with locks.hold(OUTBOX_LOCK) as first:
            return first, await taken(locks)

    assert asyncio.run(go()) == (True, False)
    assert asyncio.run(taken(locks)) is True


def lease(storage: MemoryStorage | BrokenStorage, owner: str, clock: FakeClock) -> StorageLease:
    """Return a StorageLease of `owner`."""
    return StorageLease(storage, owner=owner, clock=clock, ttl_s=30, sleep=no_wait)


def test_lease_excludes_another_tab_while_live() -> None:
    """A live lease of another tab keeps this tab out."""
    clock = FakeClock()
    storage = MemoryStorage()

    async def go() -> tuple[bool, bool]:
        async with lease(storage, "a", clock).hold(OUTBOX_LOCK) as first:
            return first, await taken(lease(storage, "b", clock))

    assert asyncio.run(go()) == (True, False)


def test_lease_is_released_after_the_block() -> None:
    """The lease key is removed when its holder is done."""
    storage = MemoryStorage()
    asyncio.run(taken(lease(storage, "a", FakeClock())))
    assert LEASE_STORAGE_KEY not in storage.data


def test_lease_of_a_dead_tab_expires() -> None:
    """A lease left by a tab that died stops blocking once it has expired."""
    clock = FakeClock()
    storage = MemoryStorage(
        {LEASE_STORAGE_KEY: json.dumps({"owner": "dead", "until": clock.now + 30})}
    )
    assert asyncio.run(taken(lease(storage, "b", clock))) is False
    clock.now += 31
    assert asyncio.run(taken(lease(storage, "b", clock))) is True


@pytest.mark.parametrize(
    "raw",
    ["junk", "[]", '{"owner": 5, "until": 1}', '{"owner": "x", "until": "soon"}', "x" * 10_000],
)
def test_malformed_lease_counts_as_free(raw: str) -> None:
    """A lease value that is not well formed does not block anyone."""
    storage = MemoryStorage({LEASE_STORAGE_KEY: raw})
    assert asyncio.run(taken(lease(storage, "b", FakeClock()))) is True


def test_lease_longer_than_the_ttl_counts_as_free() -> None:
    """A hostile lease claiming to last for years blocks nobody."""
    clock = FakeClock()
    hostile = json.dumps({"owner": "evil", "until": clock.now + 10**9})
    storage = MemoryStorage({LEASE_STORAGE_KEY: hostile})
    assert asyncio.run(taken(lease(storage, "b", clock))) is True


def test_lease_without_storage_lets_the_tab_work_alone() -> None:
    """When storage throws, the lease is assumed held: this tab works from memory."""
    assert asyncio.run(taken(lease(BrokenStorage(), "a", FakeClock()))) is True


def test_a_claim_overwritten_by_a_racing_tab_is_not_held() -> None:
    """A lease another tab wrote while this tab's claim settled counts as taken by the other."""
    clock = FakeClock()
    storage = MemoryStorage()

    async def racing_write(_seconds: float) -> None:
        value = {"owner": "tab-b", "until": clock.now + 30}
        storage.set(LEASE_STORAGE_KEY, json.dumps(value))

    racer = StorageLease(storage, owner="tab-a", clock=clock, ttl_s=30, sleep=racing_write)
    assert asyncio.run(taken(racer)) is False


def test_a_held_lease_is_renewed_during_a_long_flush() -> None:
    """While held, the lease is rewritten every third of its time to live."""
    clock = FakeClock()
    storage = MemoryStorage()
    sleeps: list[float] = []

    async def ticking(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)
        await asyncio.sleep(0)

    holder = StorageLease(storage, owner="tab-a", clock=clock, ttl_s=30, sleep=ticking)

    async def go() -> float:
        async with holder.hold(OUTBOX_LOCK) as held:
            assert held
            for _ in range(10):  # let the renewal loop run a few rounds
                await asyncio.sleep(0)
            return float(json.loads(storage.data[LEASE_STORAGE_KEY])["until"])

    until = asyncio.run(go())
    assert 10.0 in sleeps
    assert until > clock.now  # still live although more than one TTL may have passed


def bounded(locks: object, warnings: list[str], wait_s: float = 1.0) -> BoundedLocks:
    """Return BoundedLocks over `locks` that records its warnings."""
    return BoundedLocks(locks, warn=warnings.append, wait_s=wait_s)  # type: ignore[arg-type]


def test_a_refusing_lock_service_lets_the_tab_work_alone() -> None:
    """A lock request that throws or rejects yields True at once and warns once."""
    warnings: list[str] = []
    locks = bounded(RefusingLocks(), warnings)
    assert asyncio.run(taken(locks)) is True
    assert asyncio.run(taken(locks)) is True
    assert len(warnings) == 1


class HangingLocks:
    """A lock service that never answers."""

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Wait for ever."""
        await asyncio.Event().wait()
        yield True


def test_a_hanging_lock_service_is_given_up_on() -> None:
    """A lock request that never answers yields True after the bound instead of hanging."""
    warnings: list[str] = []
    assert asyncio.run(taken(bounded(HangingLocks(), warnings, wait_s=0.01))) is True
    assert "did not answer in time" in warnings[0]


def test_a_lock_held_elsewhere_still_says_so() -> None:
    """Through the guard, a lock another tab holds still yields False."""
    memory = MemoryLocks()
    memory.held.add(OUTBOX_LOCK)
    assert asyncio.run(taken(bounded(memory, []))) is False


def test_the_guard_releases_the_lock_after_the_block() -> None:
    """Through the guard, the wrapped lock is released when the block ends."""
    memory = MemoryLocks()
    assert asyncio.run(taken(bounded(memory, []))) is True
    assert memory.held == set()
