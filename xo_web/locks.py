"""Mutual exclusion between tabs: the `Locks` port, a lease in storage, and an in-memory fake.

A flush of the shared outbox runs while holding the lock named `OUTBOX_LOCK`, so two tabs never
send the same queued batch at once. In the browser the lock is a Web Lock
(`navigator.locks.request(name, {ifAvailable: true}, cb)`, see xo_web.browser); where Web Locks
are missing, `StorageLease` keeps a lease under `LEASE_STORAGE_KEY` that expires, so a tab that
died holding it blocks the others for `ttl_s` at most. Acquisition never waits: a lock that is
taken yields False and the caller tries again later.
"""

import json
import math
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from xo_web.ports import Clock, Storage

OUTBOX_LOCK = "attraqt-outbox"
LEASE_STORAGE_KEY = "attraqtoutboxlock"
LEASE_TTL_S = 30.0


class Locks(Protocol):
    """Named locks shared by the tabs of one origin; `hold` yields whether it was acquired."""

    def hold(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Try to take `name` without waiting; yield True if held, False if another has it."""
        ...


class MemoryLocks:
    """Locks shared by the Trackers of one process: the test double for Web Locks."""

    def __init__(self) -> None:
        self.held: set[str] = set()
        self.refusals = 0

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Yield True and hold `name` for the block, or yield False if it is held."""
        if name in self.held:
            self.refusals += 1
            yield False
            return
        self.held.add(name)
        try:
            yield True
        finally:
            self.held.discard(name)


class StorageLease:
    """A lock kept as a lease in storage: {"owner": id, "until": epoch seconds}.

    Not atomic across tabs (storage has no compare-and-set): after writing, the lease is read
    back and only counts if it is still ours. The per-entry in-flight marks of the outbox make
    a rare double acquisition harmless (nothing is sent twice at once).
    """

    def __init__(
        self, storage: Storage, *, owner: str, clock: Clock, ttl_s: float = LEASE_TTL_S
    ) -> None:
        self._storage = storage
        self._owner = owner
        self._clock = clock
        self._ttl_s = ttl_s

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Take the lease unless another live owner has it; release it after the block."""
        del name  # one lease key: the outbox lock is the only lock the SDK takes
        now = self._clock()
        holder, until = self._read()
        if holder is not None and holder != self._owner and until > now:
            yield False
            return
        lease = json.dumps({"owner": self._owner, "until": now + self._ttl_s})
        try:
            self._storage.set(LEASE_STORAGE_KEY, lease)
            mine = self._read()[0] == self._owner
        except Exception:
            mine = True  # storage is gone: this tab works from memory, alone
        if not mine:
            yield False
            return
        try:
            yield True
        finally:
            try:
                if self._read()[0] == self._owner:
                    self._storage.remove(LEASE_STORAGE_KEY)
            except Exception:
                pass

    def _read(self) -> tuple[str | None, float]:
        """Return (owner, until) of the stored lease; anything malformed counts as no lease."""
        try:
            raw = self._storage.get(LEASE_STORAGE_KEY)
        except Exception:
            return None, 0.0
        if not isinstance(raw, str) or len(raw) > 512:
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
