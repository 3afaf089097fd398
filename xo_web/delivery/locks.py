"""Mutual exclusion between tabs: a lease in storage, and a guard that no lock can hang.

A flush of the shared outbox runs while holding the lock named OUTBOX_LOCK, so two tabs never
send the same queued batch at once. In the browser that is a Web Lock (the adapter's
`WebLocks`); where Web Locks are missing, `StorageLease` keeps a lease in storage. Either way
`BoundedLocks` wraps it: a lock service that throws, rejects or does not answer within
LOCK_WAIT_S lets the tab work alone (the entries' in-flight claims still keep two tabs from
sending one entry at once), says so once, and never makes a call wait for ever.
"""

import asyncio
import json
import math
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from xo_web.core.keys import LEASE_STORAGE_KEY
from xo_web.core.ports import Clock, Locks, Storage

LEASE_TTL_S = 30.0
LEASE_SETTLE_S = 0.05  # how long a claim waits before reading it back (a racing tab's write lands)
LOCK_WAIT_S = 3.0
MAX_LEASE_CHARS = 512

Sleep = Callable[[float], Awaitable[None]]


class BoundedLocks:
    """Wraps a Locks port so that refusing, failing or hanging never blocks delivery."""

    def __init__(
        self, locks: Locks, *, warn: Callable[[str], None], wait_s: float = LOCK_WAIT_S
    ) -> None:
        self._locks = locks
        self._warn = warn
        self._wait_s = wait_s
        self._warned = False

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Yield what the wrapped lock yields, or True (work alone) when it fails or hangs."""
        manager = self._locks.hold(name)
        try:
            held = await asyncio.wait_for(manager.__aenter__(), self._wait_s)
        except Exception as exc:  # includes TimeoutError
            self._refused(exc)
            yield True
            return
        try:
            yield held
        except BaseException:
            if not await manager.__aexit__(*sys.exc_info()):
                raise
        else:
            await manager.__aexit__(None, None, None)

    def _refused(self, exc: Exception) -> None:
        if self._warned:
            return
        self._warned = True
        reason = "did not answer in time" if isinstance(exc, TimeoutError) else repr(exc)
        self._warn(
            f"xo_web: the tab lock is unavailable ({reason}); this tab delivers the queue "
            "without it"
        )


class StorageLease:
    """A lock kept as a lease in storage: {"owner": id, "until": epoch seconds}.

    Storage has no compare-and-set, so a claim is written, left LEASE_SETTLE_S for a racing
    tab's write to land, and read back: it counts only if it is still ours. While held, the
    lease is renewed every third of its time to live, so a long flush keeps it; a tab that died
    holding it blocks the others for `ttl_s` at most.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        owner: str,
        clock: Clock,
        ttl_s: float = LEASE_TTL_S,
        sleep: Sleep = asyncio.sleep,
        settle_s: float = LEASE_SETTLE_S,
    ) -> None:
        self._storage = storage
        self._owner = owner
        self._clock = clock
        self._ttl_s = ttl_s
        self._sleep = sleep
        self._settle_s = settle_s

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Take the lease unless another live owner has it; release it after the block."""
        del name  # one lease key: the outbox lock is the only lock the SDK takes
        if not await self._claim():
            yield False
            return
        renewal = asyncio.ensure_future(self._renew())
        try:
            yield True
        finally:
            renewal.cancel()
            try:
                if self._read()[0] == self._owner:
                    self._storage.remove(LEASE_STORAGE_KEY)
            except Exception:
                pass

    async def _claim(self) -> bool:
        holder, until = self._read()
        if holder is not None and holder != self._owner and until > self._clock():
            return False
        try:
            self._write()
        except Exception:
            return True  # storage is gone: this tab works from memory, alone
        await self._sleep(self._settle_s)
        return self._read()[0] == self._owner

    async def _renew(self) -> None:
        while True:
            await self._sleep(self._ttl_s / 3)
            if self._read()[0] != self._owner:
                return
            try:
                self._write()
            except Exception:
                return

    def _write(self) -> None:
        lease = json.dumps({"owner": self._owner, "until": self._clock() + self._ttl_s})
        self._storage.set(LEASE_STORAGE_KEY, lease)

    def _read(self) -> tuple[str | None, float]:
        """Return (owner, until) of the stored lease; anything malformed counts as no lease."""
        try:
            raw = self._storage.get(LEASE_STORAGE_KEY)
        except Exception:
            return None, 0.0
        if not isinstance(raw, str) or len(raw) > MAX_LEASE_CHARS:
            return None, 0.0
        try:
            value = json.loads(raw)
        except ValueError:
            return None, 0.0
        if not isinstance(value, dict):
            return None, 0.0
        owner, until = value.get("owner"), value.get("until")
        if not isinstance(owner, str) or isinstance(until, bool):
            return None, 0.0
        if not isinstance(until, int | float) or not math.isfinite(until):
            return None, 0.0
        if until > self._clock() + self._ttl_s:
            return None, 0.0  # lasting longer than any lease can: hostile or a broken clock
        return owner, float(until)
