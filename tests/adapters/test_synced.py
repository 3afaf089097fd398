"""The worker's outbox lock under CPython: the mirror refreshed on taking, drained on release."""

from __future__ import annotations

import asyncio
from typing import Any

from xo_web.adapters.bridge import MirrorStorage
from xo_web.adapters.synced import PageSync, SyncedLocks
from xo_web.testing import MemoryLocks


class FakePage:
    """Answers ``sync`` like xo.js: after the writes before it, with its localStorage."""

    def __init__(self, storage: dict[str, str], *, answers: bool = True) -> None:
        self.storage = storage
        self.applied = 0
        self.answers = answers
        self.sync: PageSync | None = None
        self.posted: list[dict[str, Any]] = []

    def post(self, message: dict[str, Any]) -> None:
        """Receive one message of the worker, as the page's port would."""
        self.posted.append(message)
        if message["xo"] == "set":
            self.applied = message["seq"]
            if message["value"] is None:
                self.storage.pop(message["key"], None)
            else:
                self.storage[message["key"]] = message["value"]
        elif message["xo"] == "sync" and self.answers and self.sync is not None:
            snapshot = dict(self.storage) if message["snapshot"] else None
            answer = {"xo": "synced", "id": message["id"], "seq": self.applied}
            asyncio.get_running_loop().call_soon(
                self.sync.answered, {**answer, "snapshot": snapshot}
            )


def wired(storage: dict[str, str], *, answers: bool = True) -> tuple[FakePage, MirrorStorage]:
    """Return a fake page and the worker's mirror of it, joined by a PageSync."""
    page = FakePage(storage, answers=answers)
    mirror = MirrorStorage(dict(storage), page.post)
    page.sync = PageSync(page.post, mirror)
    return page, mirror


def test_taking_the_lock_shows_what_another_tab_wrote_meanwhile() -> None:
    """A key another tab removed without a relayed event is gone from the mirror once held."""
    page, mirror = wired({"attraqtoutbox:1": "{}"})
    page.storage.pop("attraqtoutbox:1")  # another tab delivered it; no event reached us yet
    assert page.sync is not None
    locks = SyncedLocks(MemoryLocks(), page.sync)

    async def run() -> list[str]:
        async with locks.hold("attraqt-outbox") as held:
            assert held is True
            return mirror.list_keys()

    assert asyncio.run(run()) == []


def test_release_waits_for_the_page_to_apply_the_writes() -> None:
    """Every write made under the lock is in the page's storage before the lock is let go."""
    page, mirror = wired({})
    assert page.sync is not None
    locks = SyncedLocks(MemoryLocks(), page.sync)

    async def run() -> None:
        async with locks.hold("attraqt-outbox"):
            mirror.set("attraqtoutbox:2", "{}")

    asyncio.run(run())
    assert [m["xo"] for m in page.posted] == ["sync", "set", "sync"]
    assert [m["snapshot"] for m in page.posted if m["xo"] == "sync"] == [True, False]
    assert page.storage == {"attraqtoutbox:2": "{}"}


def test_a_refresh_keeps_the_writes_the_page_has_not_applied() -> None:
    """A snapshot older than the worker's latest write of a key does not undo that write."""
    page, mirror = wired({})
    assert page.sync is not None
    mirror.set("attraqtsessionid", "mine")  # write 1
    page.sync.answered({"xo": "synced", "id": 0, "seq": 0, "snapshot": {}})
    assert mirror.get("attraqtsessionid") == "mine"


def test_a_page_that_does_not_answer_costs_a_bounded_wait() -> None:
    """Without an answer the round trip gives up after its timeout and the mirror stays."""
    page, mirror = wired({"attraqtsessionid": "s"}, answers=False)
    assert page.sync is not None
    sync = page.sync

    async def run() -> bool:
        return await sync.round_trip(snapshot=True, timeout_s=0.01)

    assert asyncio.run(run()) is False
    assert mirror.get("attraqtsessionid") == "s"


def test_a_lock_held_elsewhere_asks_the_page_nothing() -> None:
    """When another tab holds the lock, no round trip is made."""
    page, _mirror = wired({})
    assert page.sync is not None
    inner = MemoryLocks()
    locks = SyncedLocks(inner, page.sync)

    async def run() -> bool:
        async with inner.hold("attraqt-outbox"), locks.hold("attraqt-outbox") as held:
            return held

    assert asyncio.run(run()) is False
    assert page.posted == []


class ManualPage(FakePage):
    """A page that answers ``sync`` only when the test says so."""

    def __init__(self) -> None:
        super().__init__({}, answers=False)

    def answer_all(self) -> None:
        """Answer every ``sync`` posted so far."""
        assert self.sync is not None
        for message in [m for m in self.posted if m["xo"] == "sync"]:
            snapshot = dict(self.storage) if message["snapshot"] else None
            self.sync.answered({"xo": "synced", "id": message["id"], "seq": self.applied,
                                "snapshot": snapshot})  # fmt: skip
        self.posted = [m for m in self.posted if m["xo"] != "sync"]


def manual() -> ManualPage:
    """A ManualPage wired to a mirror by a PageSync."""
    page = ManualPage()
    page.sync = PageSync(page.post, MirrorStorage({}, page.post))
    return page


def test_a_lock_whose_refresh_the_page_does_not_answer_in_time_is_not_acted_on() -> None:
    """A busy page leaves the mirror stale: the holder is told the lock is not usable now."""
    page = manual()
    assert page.sync is not None
    locks = SyncedLocks(MemoryLocks(), page.sync)

    async def run() -> bool:
        async with locks.hold("attraqt-outbox") as held:
            return held

    assert asyncio.run(run()) is False


def test_the_lock_is_let_go_only_once_the_page_applied_the_writes() -> None:
    """A page slower than the refresh timeout still applies the writes before the release."""
    page = manual()
    assert page.sync is not None
    inner = MemoryLocks()
    locks = SyncedLocks(inner, page.sync)

    async def run() -> list[bool]:
        seen = []

        async def hold() -> None:
            async with locks.hold("attraqt-outbox") as held:
                assert held is True

        holding = asyncio.ensure_future(hold())
        await asyncio.sleep(0)
        page.answer_all()  # the refresh
        while not page.posted:  # the release's round trip has begun
            await asyncio.sleep(0)
        await asyncio.sleep(1.2)  # longer than SYNC_TIMEOUT_S: the page is busy
        seen.append("attraqt-outbox" in inner.held)
        page.answer_all()
        await holding
        seen.append("attraqt-outbox" in inner.held)
        return seen

    assert asyncio.run(run()) == [True, False]
