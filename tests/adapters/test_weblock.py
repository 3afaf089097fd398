"""A Web Lock request under CPython: a grant the waiter gave up on is always let go."""

from __future__ import annotations

import asyncio

import pytest

from xo_web.adapters.weblock import LockRequest


def test_a_grant_that_lands_just_before_a_timeout_is_let_go() -> None:
    """Granted, then the waiting coroutine cancelled before it resumed: the lock is released."""
    released: list[bool] = []

    async def run() -> None:
        lock = LockRequest()

        async def take() -> bool:
            async with lock.held() as held:
                return held

        waiting = asyncio.ensure_future(take())
        await asyncio.sleep(0)  # the waiter awaits the grant
        assert lock.on_grant(True) is True  # the browser grants it and keeps the Promise's
        lock.keep(lambda: released.append(True))  # resolver; then a wait_for fires:
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(run())
    assert released == [True]


def test_a_grant_after_the_waiter_gave_up_is_not_kept() -> None:
    """A grant that arrives once nobody waits is refused, so the browser lets it go at once."""

    async def run() -> bool:
        lock = LockRequest()

        async def take() -> bool:
            async with lock.held() as held:
                return held

        waiting = asyncio.ensure_future(take())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        return lock.on_grant(True)

    assert asyncio.run(run()) is False


def test_a_held_lock_is_released_when_the_block_ends() -> None:
    """The normal path: granted, yielded True, released once after the block."""
    released: list[bool] = []

    async def run() -> bool:
        lock = LockRequest()
        lock.on_grant(True)
        lock.keep(lambda: released.append(True))
        async with lock.held() as held:
            assert released == []
            return held

    assert asyncio.run(run()) is True
    assert released == [True]


def test_a_lock_held_by_another_tab_yields_false() -> None:
    """With ifAvailable, a null grant means another tab holds it: False, nothing to release."""

    async def run() -> bool:
        lock = LockRequest()
        assert lock.on_grant(False) is False
        async with lock.held() as held:
            return held

    assert asyncio.run(run()) is False
