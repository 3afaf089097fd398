"""The outbox lock in a worker whose storage is a mirror of the page's (``bridge``).

Under the outbox lock a tab reads storage to see what other tabs did. A worker's mirror hears
of other tabs' writes only through the ``storage`` events its page relays, so it can be a
little behind, and two workers could then send the same entry. ``SyncedLocks`` gives the lock
its main-thread meaning: once it is taken, the mirror is refreshed from the page's
localStorage; before it is let go, the page has applied every write made under it, so the
next holder, in any tab, reads them. Neither is skipped because the page is slow: a lock whose
refresh is not answered within SYNC_TIMEOUT_S is not acted on (it counts as busy, and the flush
is retried later), and the lock is let go only once the page has applied the writes, or after
RELEASE_WAIT_S (a page frozen for that long must not keep every tab from delivering). Each
round trip awaits the answer itself (no ``wait_for``), so no extra step lies between the
page's answer and the holder going on, on any Python.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from xo_web.adapters.bridge import MirrorStorage
from xo_web.core.ports import Locks

SYNC_TIMEOUT_S = 1.0
RELEASE_WAIT_S = 30.0
Post = Callable[[dict[str, Any]], None]


class PageSync:
    """Round trips to the page over the bridge: ``sync`` {id, snapshot} → ``synced`` {id,
    seq, snapshot}. The page answers after every write posted before, in order."""

    def __init__(self, post: Post, storage: MirrorStorage) -> None:
        self._post = post
        self._storage = storage
        self._waiting: dict[int, asyncio.Future[bool]] = {}
        self._next = 0

    async def round_trip(self, *, snapshot: bool, timeout_s: float = SYNC_TIMEOUT_S) -> bool:
        """Wait until the page has applied this worker's writes (and, with ``snapshot``, the
        mirror holds its localStorage); False when it did not answer within ``timeout_s``."""
        self._next += 1
        number = self._next
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[bool] = loop.create_future()
        self._waiting[number] = answered
        self._post({"xo": "sync", "id": number, "snapshot": snapshot})
        timer = loop.call_later(timeout_s, _settle, answered, False)
        try:
            return await answered
        finally:
            timer.cancel()
            self._waiting.pop(number, None)

    def answered(self, message: Mapping[str, Any]) -> None:
        """Take the page's ``synced`` answer: refresh the mirror, wake the waiter."""
        snapshot, seq = message.get("snapshot"), message.get("seq")
        if isinstance(snapshot, Mapping) and isinstance(seq, int):
            self._storage.reset(snapshot, seq)
        number = message.get("id")
        waiter = self._waiting.get(number) if isinstance(number, int) else None
        if waiter is not None:
            _settle(waiter, True)


class SyncedLocks:
    """A Locks port whose lock, while held, sees the page's storage as it is (see module)."""

    def __init__(
        self,
        inner: Locks,
        sync: PageSync,
        *,
        refresh_s: float = SYNC_TIMEOUT_S,
        release_s: float = RELEASE_WAIT_S,
    ) -> None:
        self._inner = inner
        self._sync = sync
        self._refresh_s = refresh_s
        self._release_s = release_s

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Take ``name`` as the inner port does; refresh the mirror after (False, not acted on,
        when the page does not answer in time), drain before release."""
        async with self._inner.hold(name) as held:
            if held:
                held = await self._sync.round_trip(snapshot=True, timeout_s=self._refresh_s)
            try:
                yield held
            finally:
                if held:
                    await self._sync.round_trip(snapshot=False, timeout_s=self._release_s)


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)
