"""A send's outcome comes from a flush that considered it (issue 15, hole 3).

A flush that found nothing to send still waits for its lock's release (in a worker, a round
trip to the page). A send made while it waits must not be resolved by that flush's end as
"waiting for a retry": it was never looked at. `GatedLocks` makes the release wait at a gate
the test opens, awaited directly, so the race shows on Python 3.11 as on Pyodide's 3.14.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.kit import World, view
from xo_web.adapters.bridge import MirrorStorage
from xo_web.adapters.synced import PageSync, SyncedLocks
from xo_web.testing import GatedLocks, MemoryLocks


def test_a_send_made_while_a_flush_releases_its_lock_is_sent() -> None:
    """The page answers the release, then a send comes before the flush goes on: it is sent."""
    locks = GatedLocks()
    world = World(lock_service=locks)

    async def go() -> Any:
        tab = world.tab()
        await world.settle()  # the boot flush: nothing queued
        locks.closed = True
        flushing = asyncio.ensure_future(tab.flush())
        for _ in range(100):
            if locks.waiting:
                break
            await asyncio.sleep(0)
        assert locks.waiting == 1  # the empty flush waits for its release
        locks.open()  # answered: the flush goes on at its next step...
        outcome = tab.send(view("p1"))  # ...after this send, made in the same step
        await flushing
        return await outcome

    outcome = asyncio.run(go())
    assert (outcome.status, outcome.ok) == (200, True)
    assert world.collector.products() == ["p1"]


class Page:
    """The page behind a worker: applies its writes and answers its round trips when told."""

    def __init__(self) -> None:
        self.local: dict[str, str] = {}
        self.applied = 0
        self.syncs: list[dict[str, Any]] = []
        self.sync: PageSync | None = None

    def post(self, message: dict[str, Any]) -> None:
        """A message of the worker reaches the page."""
        if message["xo"] == "set":
            self.applied = message["seq"]
            if message["value"] is None:
                self.local.pop(message["key"], None)
            else:
                self.local[message["key"]] = message["value"]
        elif message["xo"] == "sync":
            self.syncs.append(message)

    def answer(self) -> None:
        """Answer the oldest round trip, as xo.js does."""
        assert self.sync is not None
        if self.syncs:
            message = self.syncs.pop(0)
            snapshot = dict(self.local) if message["snapshot"] else None
            self.sync.answered({"id": message["id"], "seq": self.applied, "snapshot": snapshot})


# "tick": one loop step; "run": steps until the loop has nothing left to do without the page.
ACTIONS = st.lists(st.sampled_from(["send", "answer", "tick", "run", "flush"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(ACTIONS)
# The boot flush finds nothing; the page answers its release; a send comes in that same step.
@example(["run", "run", "answer", "run", "answer", "send"])
@example(["send", "run", "answer", "run", "answer", "run", "flush", "run", "answer", "run",
          "answer", "send", "send"])  # fmt: skip
def test_no_send_is_resolved_by_a_flush_that_did_not_consider_it(actions: list[str]) -> None:
    """Whatever the interleaving of page answers, loop steps, flushes and sends, every send
    made against a collector that accepts everything resolves with its accepted request."""
    page = Page()
    mirror = MirrorStorage({}, page.post)
    page.sync = PageSync(page.post, mirror)
    locks = SyncedLocks(MemoryLocks(), page.sync, refresh_s=3600, release_s=3600)
    world = World(storage=mirror, lock_service=locks)

    async def go() -> list[Any]:
        tab = world.tab()
        outcomes: list[Any] = []
        flushes = []  # kept referenced until done
        for action in actions:
            if action == "send":
                outcomes.append(tab.send(view(f"p{len(outcomes)}")))
            elif action == "answer":
                page.answer()
            elif action == "flush":
                flushes.append(asyncio.ensure_future(tab.flush()))
            else:
                for _ in range(1 if action == "tick" else 20):
                    await asyncio.sleep(0)
            for timer in world.timers:
                timer.fire_due()
        me = asyncio.current_task()
        for _ in range(2000):  # the page answers everything from now on, until all is done
            if all(o.done() for o in outcomes) and all(t is me for t in asyncio.all_tasks()):
                break
            page.answer()
            for timer in world.timers:
                timer.fire_due()
            await asyncio.sleep(0)
        return [o.result() for o in outcomes]

    results = asyncio.run(go())
    assert all((r.status, r.ok) == (200, True) for r in results), results
    assert sorted(world.collector.products()) == sorted(f"p{i}" for i in range(len(results)))
