"""Where a batch goes when the collector is down and the relay may keep it: the spool.

This module owns the `Spool` protocol the app records to (`record` returns once the batch is
durable, and raises when it could not be recorded, in which case the app answers 503 as it
would without a spool) and `SPOOLED_BODY`, what the browser gets instead of `profiles`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Spool(Protocol):
    """A durable place for batches the collector did not take; its sender delivers them."""

    async def record(self, tracker_key: str, activities: list[dict[str, object]]) -> None:
        """Keep the activities (wire dicts, each with its own user) durably, or raise."""
        ...

    async def aclose(self) -> None:
        """Release what the spool holds (the ASGI lifespan's shutdown)."""
        ...


def spooled_body(count: int) -> dict[str, object]:
    """The 202 answer of a spooled batch: no `profiles` (the collector has not seen it yet)."""
    return {"spooled": count, "profiles": None}


__all__ = ["Spool", "spooled_body"]
