"""Tests of the outbox lock: the in-memory Web Locks fake and the storage lease fallback."""

import asyncio
import json

import pytest

from xo_web.core.keys import LEASE_STORAGE_KEY, OUTBOX_LOCK
from xo_web.delivery.locks import StorageLease
from xo_web.testing import BrokenStorage, FakeClock, MemoryLocks, MemoryStorage


async def taken(locks: MemoryLocks | StorageLease) -> bool:
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
    return StorageLease(storage, owner=owner, clock=clock, ttl_s=30)


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
