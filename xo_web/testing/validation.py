"""A fake of the full-validator port: not ready until the test lets it load (or fail).

`ManualValidation` stands for pydantic's wheels on their way (xo_web.core.validation): a call
the fast path leaves to the full validator is held until `finish()` (or `fail(error)`), so a
test can check what waits, in which order, and where each answer or error arrives::

    validation = ManualValidation()
    tracker = Tracker(MemoryStorage(), MockTransport(), full_validation=validation)
    held = tracker.send({"action": "view", "target": {"product": "p"}, "x": {"y": 1}})
    validation.finish()
    outcome = await held
"""

import asyncio

__all__ = ["ManualValidation"]


class ManualValidation:
    """A FullValidation port the test drives: `finish()` loads it, `fail(error)` fails it."""

    def __init__(self) -> None:
        self.loaded = False
        self.loads = 0  # how many times the SDK asked to load it
        self._gate: asyncio.Event | None = None
        self._opened = False
        self._failure: Exception | None = None

    def ready(self) -> bool:
        """True once a load finished."""
        return self.loaded

    async def load(self) -> None:
        """Wait for `finish()` or `fail(...)`."""
        self.loads += 1
        if not self._opened:
            self._gate = asyncio.Event()
            await self._gate.wait()
        self._opened, self._gate = False, None
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure
        self.loaded = True

    def finish(self) -> None:
        """Let the (next) load succeed."""
        self._open()

    def fail(self, error: Exception) -> None:
        """Let the (next) load fail with ``error``."""
        self._failure = error
        self._open()

    def _open(self) -> None:
        if self._gate is not None:
            self._gate.set()
        else:
            self._opened = True
