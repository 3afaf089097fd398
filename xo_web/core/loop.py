"""Where the SDK schedules work: the running event loop, or Pyodide's page loop.

In Pyodide the page's event loop runs between JavaScript tasks, so a synchronous call from
page code has no *running* loop but may still schedule on it; under CPython, outside a loop,
there is nowhere to schedule and the caller must cope. This is the one place that knows.
"""

import asyncio
import sys
from collections.abc import Callable

from xo_web.core.ports import Cancel


def schedulable_loop() -> asyncio.AbstractEventLoop | None:
    """Return the loop work can be scheduled on now, or None outside any (plain CPython)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        if sys.platform != "emscripten":
            return None
        return asyncio.get_event_loop()


async def nothing() -> None:
    """An awaitable of None (a send that makes no request)."""
    return None


def no_cancel() -> None:
    """A canceller for a timer that was never set."""
    return None


def asyncio_timer(delay_s: float, callback: Callable[[], None]) -> Cancel:
    """The default Timer: `loop.call_later` on the schedulable loop (setTimeout in Pyodide).

    Outside any loop nothing is scheduled: the next send or page load flushes instead.
    """
    loop = schedulable_loop()
    if loop is None:
        return no_cancel
    return loop.call_later(max(delay_s, 0.0), callback).cancel
