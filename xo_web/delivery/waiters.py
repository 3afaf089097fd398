"""The callers waiting on queued sends: one future per `send`, grouped by entry and by send.

An outbox entry may hold several sends of one tick; each send's awaitable resolves with the
outcome of the first attempt that carried it. When an entry is narrowed down one send at a
time (after a 400 for a merged request), only its first send's callers are resolved.
"""

import asyncio
from collections.abc import Callable

from xo_web.delivery.outcome import SendOutcome

Waiter = asyncio.Future[SendOutcome]


class Waiters:
    """entry id -> one list of waiting futures per send of the entry, in order."""

    def __init__(self) -> None:
        self._parts: dict[str, list[list[Waiter]]] = {}

    def open_entry(self, entry_id: str, sends: int = 1) -> None:
        """Start tracking an entry that holds `sends` sends (none waited on yet)."""
        self._parts.setdefault(entry_id, [[] for _ in range(sends)])

    def add_send(self, entry_id: str, known_sends: int) -> None:
        """Note one more send appended to an entry that already held `known_sends`."""
        parts = self._parts.get(entry_id)
        if parts is None:  # not built eagerly: this runs on every coalesced send
            parts = self._parts[entry_id] = [[] for _ in range(known_sends)]
        parts.append([])

    def wait(self, entry_id: str, waiter: Waiter) -> None:
        """Make `waiter` wait on the latest send of the entry."""
        self._parts.setdefault(entry_id, [[]])[-1].append(waiter)

    def resolve(self, entry_id: str, outcome: SendOutcome) -> None:
        """Resolve the waiting callers of every send of an entry."""
        for waiters in self._parts.pop(entry_id, ()):
            _resolve(waiters, outcome)

    def resolve_first_send(self, entry_id: str, outcome: SendOutcome) -> None:
        """Resolve the callers of the entry's first send only."""
        parts = self._parts.get(entry_id)
        if not parts:
            return
        _resolve(parts.pop(0), outcome)
        if not parts:
            del self._parts[entry_id]

    def resolve_every(self, outcome: Callable[[], SendOutcome]) -> None:
        """Resolve every waiting caller of every entry with `outcome()`."""
        for entry_id in list(self._parts):
            self.resolve(entry_id, outcome())

    def waiting(self) -> set[Waiter]:
        """Return every caller waiting now: what a flush that starts now will consider."""
        return {w for parts in self._parts.values() for waiters in parts for w in waiters}

    def resolve_considered(
        self, considered: set[Waiter], outcome: Callable[[], SendOutcome]
    ) -> None:
        """Resolve the callers in `considered` (a flush looked at their entries and left them
        queued) with `outcome()`; callers that came later keep waiting for the next flush."""
        for entry_id, parts in list(self._parts.items()):
            for waiters in parts:
                done = [w for w in waiters if w in considered]
                _resolve(done, outcome())
                waiters[:] = [w for w in waiters if w not in considered]
            if not any(parts):
                del self._parts[entry_id]


def _resolve(waiters: list[Waiter], outcome: SendOutcome) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(outcome)
