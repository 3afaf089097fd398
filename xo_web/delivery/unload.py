"""The page-hide flush: what is queued leaves on keepalive requests, synchronously.

On `pagehide` (or `visibilitychange` to hidden) nothing scheduled for later may run, so the
requests are started before the handler returns, through a `Starter` transport, in chunks of at
most UNLOAD_CHUNK_BYTES within the browser's 64 KiB keepalive budget; what does not fit stays
persisted for the next page.

The one shortcut (docs/delivery.md): while the channel is healthy — this tab's latest attempt
succeeded, less than 30 s ago, nothing is in backoff, no `Retry-After` pause, the browser
online — this tab's never-failed entries on such a request are marked "handed" to the
browser, and a later page that finds them still claimed after the lease takes the browser's
word for them instead of sending them again ("click, then navigate" is not sent twice). In any
doubt nothing is handed: the entries stay until acknowledged, and a later page may send them a
second time.
"""

import asyncio
import inspect
from collections.abc import Awaitable, Callable

from xo_web.core.loop import schedulable_loop
from xo_web.delivery.chunks import body_bytes, request_body, take_chunk
from xo_web.delivery.dispatch import KEEPALIVE_LIMIT_BYTES, Dispatcher
from xo_web.delivery.entry import Entry
from xo_web.delivery.flights import Flights
from xo_web.delivery.outcome import Attempt
from xo_web.delivery.settle import Settler

UNLOAD_CHUNK_BYTES = 16 * 1024


class UnloadFlush:
    """Starts this tab's keepalive requests at page hide and settles them if the page lives."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        flights: Flights,
        settler: Settler,
        *,
        tab: str,
        healthy: Callable[[], bool],
        after_settle: Callable[[], None],
    ) -> None:
        self._dispatcher = dispatcher
        self._flights = flights
        self._settler = settler
        self._tab = tab
        self._healthy = healthy
        self._after_settle = after_settle
        self.background: set[asyncio.Task[None]] = set()

    def flush(self, ready: list[Entry], *, on_claim: Callable[[list[Entry]], None]) -> int:
        """Start keepalive requests for `ready` (oldest first) within the budget; return how
        many were made. `on_claim` is told which entries each request claims."""
        hand_off_tab = self._tab if self._healthy() else None
        if hand_off_tab is not None:
            self._flights.hand_off_keepalive(hand_off_tab)
        budget = KEEPALIVE_LIMIT_BYTES - self._flights.keepalive_bytes
        made = 0
        while ready:
            chunk = take_chunk(ready, self._settler.solo, min(UNLOAD_CHUNK_BYTES, budget))
            if not chunk:
                break
            size = body_bytes(chunk)
            if size > budget:
                break
            on_claim(chunk)
            token, claimed = self._flights.claim(chunk, hand_off_tab=hand_off_tab)
            pending = self._dispatcher.start(request_body(claimed))
            self._flights.fly(token, claimed, keepalive=True, size=size)
            budget -= size
            made += 1
            ready = ready[len(chunk) :]
            self._watch(token, claimed, pending)
        return made

    def _watch(self, token: str, entries: list[Entry], pending: Awaitable[Attempt]) -> None:
        """Settle an unload request if the page lives to see its answer."""

        async def settle() -> None:
            try:
                attempt = await pending
            finally:
                self._flights.land(token)
            self._settler.settle(token, entries, attempt)
            self._after_settle()

        def done(task: "asyncio.Task[None]") -> None:
            self.background.discard(task)
            if task.cancelled() and inspect.iscoroutine(pending):
                pending.close()  # cancelled before it started: nobody will await it

        loop = schedulable_loop()
        if loop is None:  # no event loop: the answer will not be seen by this page
            if inspect.iscoroutine(pending):
                pending.close()
            return
        task = loop.create_task(settle())
        self.background.add(task)
        task.add_done_callback(done)
