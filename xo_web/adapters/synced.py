"""The outbox lock in a worker whose storage is a mirror of the page's (``bridge``).

Under the outbox lock a tab reads storage to see what other tabs did. A worker's mirror hears
of other tabs' writes only through the ``storage`` events its page relays, so it can be a
little behind, and two workers could then send the same entry. ``SyncedLocks`` gives the lock
its main-thread meaning: once it is taken, the mirror is refreshed from the page's
localStorage; before it is let go, the page has applied every write made under it, so the
next holder, in any tab, reads them. Each round trip is bounded (SYNC_TIMEOUT_S): a page that
does not answer (frozen, going) leaves the mirror as it is, and delivery goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from xo_web.adapters.bridge import MirrorStorage
from xo_web.core.ports import Locks

SYNC_TIMEOUT_S = 1.0
Post = Callable[[dict[str, Any]], None]


class PageSync:
    """Round trips to the page over the bridge: ``sync`` {id, snapshot} → ``synced`` {id,
    seq, snapshot}. The page answers after every write posted before, in order."""

    def __init__(self, post: Post, storage: MirrorStorage) -> None:
        self._post = post
        self._storage = storage
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._next = 0

    async def round_trip(self, *, snapshot: bool, timeout_s: float = SYNC_TIMEOUT_S) -> bool:
        """Wait until the page has applied this worker's writes (and, with ``snapshot``, the
        mirror holds its localStorage); False when it did not answer within ``timeout_s``."""
        self._next += 1
        number = self._next
        answered = asyncio.get_running_loop().create_future()
        self._waiting[number] = answered
        self._post({"xo": "sync", "id": number, "snapshot": snapshot})
        try:
            await asyncio.wait_for(answered, timeout_s)
            return True
        except TimeoutError:
            return False
        finally:
            self._waiting.pop(number, None)

    def answered(self, message: Mapping[str, Any]) -> None:
        """Take the page's ``synced`` answer: refresh the mirror, wake the waiter."""
        snapshot, seq = message.get("snapshot"), message.get("seq")
        if isinstance(snapshot, Mapping) and isinstance(seq, int):
            self._storage.reset(snapshot, seq)
        number = message.get("id")
        waiter = self._waiting.get(number) if isinstance(number, int) else None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class SyncedLocks:
    """A Locks port whose lock, while held, sees the page's storage as it is (see module)."""

    def __init__(self, inner: Locks, sync: PageSync) -> None:
        self._inner = inner
        self._sync = sync

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Take ``name`` as the inner port does; refresh the mirror after, drain before release."""
        async with self._inner.hold(name) as held:
            if held:
                await self._sync.round_trip(snapshot=True)
            try:
                yield held
            finally:
                if held:
                    await self._sync.round_trip(snapshot=False)
