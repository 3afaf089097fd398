"""One ``navigator.locks.request`` seen from Python, in pure Python: granted, refused, let go.

The browser calls back when it grants the lock (or, with ``ifAvailable``, with null when another
tab holds it) and keeps the lock until the Promise the callback returned settles. A caller
may give up waiting at any moment (``BoundedLocks`` waits LOCK_WAIT_S): a grant that arrives
after that is let go at once, and one that arrived just before — granted, but the waiting
coroutine cancelled before it resumed — is let go too, so no lock is held for the tab's life.
``xo_web.adapters.browser.WebLocks`` binds it to ``js``; CPython tests drive it directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

Release = Callable[[], object]


class LockRequest:
    """The state of one lock request: whether it was granted, and how to let it go."""

    def __init__(self) -> None:
        self.granted: asyncio.Future[bool] = asyncio.get_event_loop().create_future()
        self._release: Release | None = None

    def on_grant(self, available: bool) -> bool:
        """The browser called back; return True to keep the lock (then call `keep`)."""
        if self.granted.done():  # given up on (timed out, cancelled): let it go at once
            return False
        self.granted.set_result(available)
        return available

    def keep(self, release: Release) -> None:
        """Remember how to let a kept lock go (the resolver of the callback's Promise)."""
        self._release = release

    def refused(self, error: object) -> None:
        """The request was rejected (an opaque-origin frame has no lock service)."""
        if not self.granted.done():
            self.granted.set_exception(OSError(f"navigator.locks.request was rejected: {error}"))

    def release(self) -> None:
        """Let the lock go, once."""
        release, self._release = self._release, None
        if release is not None:
            release()

    @asynccontextmanager
    async def held(self) -> AsyncIterator[bool]:
        """Yield True while the lock is held, False if another tab has it; never leak it."""
        try:
            held = await self.granted
        except BaseException:  # cancelled or timed out, maybe after the grant
            self.release()
            raise
        try:
            yield held
        finally:
            self.release()
