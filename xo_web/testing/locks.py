"""Fakes of the Web Locks port: locks shared by tabs, a refusing lock service, a gated release.

Part of `xo_web.testing`, which names them too.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["GatedLocks", "MemoryLocks", "RefusingLocks"]


class MemoryLocks:
    """Locks shared by the Trackers of one process: the fake of Web Locks across tabs."""

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


class GatedLocks:
    """Locks whose release waits at a gate while it is closed, like a worker's release round
    trip to its page (``xo_web.adapters.synced``); the holder awaits the gate directly, so it
    goes on in the very step after `open`, as on Python 3.12+ (3.11's ``wait_for`` adds one)."""

    def __init__(self) -> None:
        self.closed = False
        self._gates: list[asyncio.Future[None]] = []

    @property
    def waiting(self) -> int:
        """How many releases wait at the gate."""
        return sum(not gate.done() for gate in self._gates)

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Yield True; on release, wait while the gate is closed."""
        try:
            yield True
        finally:
            if self.closed:
                gate = asyncio.get_running_loop().create_future()
                self._gates.append(gate)
                await gate

    def open(self) -> None:
        """Open the gate: waiting releases go on at the next step, later ones do not wait."""
        self.closed = False
        for gate in self._gates:
            if not gate.done():
                gate.set_result(None)
        self._gates = []


class RefusingLocks:
    """A lock service that refuses every request, like Web Locks in an opaque-origin frame.

    The browser adapter must turn such a refusal into "work alone" rather than wait; this fake
    raises `error` from `hold`, which the core treats the same way.
    """

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error if error is not None else OSError("SecurityError: locks refused")
        self.requests = 0

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Raise the configured error."""
        self.requests += 1
        raise self.error
        yield False  # pragma: no cover - makes this an async generator
