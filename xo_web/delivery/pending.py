"""The sends made while consent is pending: held in memory, bounded, released once or dropped.

In the opt-in mode (docs/privacy.md) a send made before consent is validated and given its user at
the call, as always, and then held here: never written to storage, never sent. A grant
releases every held send exactly once, in order, into the outbox; a refusal drops them, and
their callers get None, as for a send made while opted out. The buffer is bounded (counted in
activities): a send that would overflow it is refused, and the caller reports it.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from xo_web.core.loop import schedulable_loop
from xo_web.delivery.intake import Encoded
from xo_web.delivery.outcome import SendOutcome
from xo_web.errors import ConfigError

DEFAULT_LIMIT = 200
MAX_LIMIT = 10_000
Deliver = Callable[[list[dict[str, object]], Encoded], Awaitable[SendOutcome | None]]


class Held:
    """One held send: its wire batch and encoding, and how its caller learns the outcome."""

    def __init__(self, batch: Sequence[dict[str, object]], encoded: Encoded | None) -> None:
        self.batch = list(batch)
        self.encoded = encoded
        loop = schedulable_loop()
        self._future: asyncio.Future[None] | None = loop.create_future() if loop else None
        self._settled = False
        self._result: Awaitable[SendOutcome | None] | None = None

    def settle(self, result: Awaitable[SendOutcome | None] | None) -> None:
        """Released (`result`: the delivery's awaitable) or dropped (None)."""
        self._settled, self._result = True, result
        if self._future is not None and not self._future.done():
            self._future.set_result(None)

    async def outcome(self) -> SendOutcome | None:
        """Wait for the grant or the refusal, then for the delivery's outcome (None: dropped)."""
        if not self._settled:
            if self._future is None:
                self._future = asyncio.get_running_loop().create_future()
            await self._future
        return None if self._result is None else await self._result


class PendingSends:
    """The held sends, in order; at most `limit` activities."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._held: list[Held] = []
        self.count = 0  # activities held

    def hold(self, batch: Sequence[dict[str, object]], encoded: Encoded | None) -> Held | None:
        """Hold one send; None (nothing held) when it would take the buffer past `limit`."""
        if self.count + len(batch) > self.limit:
            return None
        held = Held(batch, encoded)
        self._held.append(held)
        self.count += len(held.batch)
        return held

    def overflow(self, count: int) -> str:
        """Say why a send of `count` activities was refused (reported as a ConsentError)."""
        return (
            f"xo_web: consent is pending and the buffer holds {self.count} of at most "
            f"{self.limit} activities: a send of {count} was dropped"
        )

    def release(self, deliver: Deliver) -> int:
        """Hand every held send to `deliver`, once each, in order; return the activities."""
        held, self._held, count, self.count = self._held, [], self.count, 0
        for send in held:
            send.settle(deliver(send.batch, send.encoded or []))
        return count

    def drop(self) -> int:
        """Forget every held send (their callers get None); return the activities dropped."""
        held, self._held, count, self.count = self._held, [], self.count, 0
        for send in held:
            send.settle(None)
        return count


def check_limit(limit: Any) -> int:
    """Return a buffer limit: an int from 1 to MAX_LIMIT (ConfigError otherwise)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ConfigError(f"consent_buffer must be a whole number from 1 to {MAX_LIMIT}")
    return limit
