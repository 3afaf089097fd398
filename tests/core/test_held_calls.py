"""Calls held until the full validator is loaded (pydantic on first need), with a fake port.

A shape the fast path leaves to the full validator is held, every later send and user setter
waits behind it in order, each is answered (or refused, naming the field) at its own
awaitable, consent rules stay as they are, and a page hide keeps what is held for the next
page.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest

from tests.kit import TRACKER_KEY
from xo_web.core.keys import OUTBOX_ENTRY_PREFIX, PENDING_CALLS_PREFIX
from xo_web.core.ports import HttpResponse
from xo_web.core.validation import ValidatorUnavailableError
from xo_web.errors import ValidationError
from xo_web.facade.replay import replay
from xo_web.testing import ManualValidation, MemoryStorage, MockTransport, QuietEnvironment
from xo_web.tracker import Tracker

COMMON = {"action": "view", "target": {"product": "common"}}
UNCOMMON = {"action": "view", "target": {"product": "uncommon"}, "custom": {"nested": {"a": 1}}}
BAD = {"action": "view", "target": {"product": "bad"}, "metadata": {"price": "cheap"}}


class Page:
    """A tracker whose full validator is on its way, its storage and its collector."""

    def __init__(self, storage: MemoryStorage | None = None, **init: Any) -> None:
        self.storage = storage or MemoryStorage()
        self.transport = MockTransport()
        self.validation = ManualValidation()
        self.tracker = Tracker(
            self.storage,
            self.transport,
            environment=QuietEnvironment(),
            full_validation=self.validation,
        )
        self.tracker.init(TRACKER_KEY, **init)

    def products(self) -> list[str]:
        """The products of every activity the collector received, in order."""
        bodies = [json.loads(request.body) for request in self.transport.requests]
        return [activity["target"]["product"] for body in bodies for activity in body]

    def users(self) -> list[dict[str, Any]]:
        bodies = [json.loads(request.body) for request in self.transport.requests]
        return [activity["user"] for body in bodies for activity in body]


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(test())


async def settle() -> None:
    """Let the loop run the scheduled work (held calls, deliveries)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def outcome_of(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def test_a_common_send_is_not_held_and_loads_nothing() -> None:
    """The fast path needs no validator: the send goes out and nothing is loaded."""

    async def test() -> None:
        page = Page()
        outcome = await page.tracker.send(COMMON)
        assert outcome is not None
        assert outcome.ok
        assert page.validation.loads == 0

    run(test)


def test_an_uncommon_send_waits_for_the_validator_and_is_then_delivered() -> None:
    """A shape only the full validator takes waits for it, then goes out as usual."""

    async def test() -> None:
        page = Page()
        held = page.tracker.send(UNCOMMON)
        await settle()
        assert page.transport.requests == []
        assert page.validation.loads == 1
        page.validation.finish()
        outcome = await held
        assert outcome is not None
        assert outcome.ok
        assert page.products() == ["uncommon"]

    run(test)


def test_a_common_send_after_a_held_one_waits_behind_it() -> None:
    """Order is kept: a fast-path send made after a held one arrives after it."""

    async def test() -> None:
        page = Page()
        first = page.tracker.send(UNCOMMON)
        second = page.tracker.send(COMMON)
        await settle()
        assert page.transport.requests == []
        page.validation.finish()
        await asyncio.gather(first, second)
        await page.tracker.idle()
        assert page.products() == ["uncommon", "common"]

    run(test)


def test_a_bad_held_send_raises_at_its_own_awaitable_naming_the_field() -> None:
    """The full validator's error reaches the send's awaitable; the calls around it go on."""

    async def test() -> None:
        page = Page()
        bad = page.tracker.send(BAD)
        after = page.tracker.send(COMMON)
        page.validation.finish()
        with pytest.raises(ValidationError) as raised:
            await bad
        assert raised.value.field == "metadata.price"
        assert (await after) is not None
        assert page.products() == ["common"]

    run(test)


def test_a_common_setter_runs_at_once_and_returns_none() -> None:
    """A setter the fast path takes changes the user now and returns None."""
    page = Page()
    assert page.tracker.add_user_trait("age", 45) is None
    assert page.tracker.user["traits"] == {"age": 45}
    assert page.validation.loads == 0


def test_a_held_setter_applies_before_the_send_made_after_it() -> None:
    """A setter left to the full validator returns an awaitable; the next send carries it."""

    async def test() -> None:
        page = Page()
        held = page.tracker.add_user_identity("crmÏd", "c-1")
        sent = page.tracker.send(COMMON)
        assert held is not None
        assert page.tracker.user["identities"].get("crmïd") is None
        page.validation.finish()
        assert await outcome_of(held) is None
        await sent
        assert page.users()[0]["identities"]["crmïd"] == "c-1"

    run(test)


def test_a_common_setter_after_a_held_one_waits_behind_it() -> None:
    """A setter the fast path would take still waits behind a held call, in order."""

    async def test() -> None:
        page = Page()
        page.tracker.send(UNCOMMON)
        held = page.tracker.set_user_segments(["vip"])
        assert held is not None
        assert page.tracker.user["segments"] == []
        page.validation.finish()
        await held
        assert page.tracker.user["segments"] == ["vip"]

    run(test)


def test_a_bad_held_setter_raises_at_its_awaitable_and_changes_nothing() -> None:
    """A refused held setter names the field at its awaitable; the user is unchanged."""

    async def test() -> None:
        page = Page()
        page.tracker.add_user_segment("vip")
        held = page.tracker.set_user_segments(["x", {"bad": 1}])  # type: ignore[list-item]
        assert held is not None
        page.validation.finish()
        with pytest.raises(ValidationError) as raised:
            await held
        assert raised.value.field == "user.segments[1]"
        assert page.tracker.user["segments"] == ["vip"]

    run(test)


def test_held_sends_in_the_opt_in_mode_stay_held_until_consent() -> None:
    """Consent rules are unchanged: a held send, once validated, waits for the grant."""

    async def test() -> None:
        page = Page(consent="required")
        held = page.tracker.send(UNCOMMON)
        page.validation.finish()
        await settle()
        assert page.transport.requests == []
        page.tracker.opt_in()
        outcome = await held
        assert outcome is not None
        assert outcome.ok
        assert page.products() == ["uncommon"]

    run(test)


def test_an_opt_out_while_a_send_is_held_drops_it() -> None:
    """An opt-out acts at once; the held send, run after it, is not sent (None)."""

    async def test() -> None:
        page = Page()
        held = page.tracker.send(UNCOMMON)
        page.tracker.opt_out()
        page.validation.finish()
        assert await held is None
        assert page.transport.requests == []

    run(test)


def test_a_validator_that_fails_to_load_refuses_the_held_calls_and_is_tried_again() -> None:
    """No held call hangs: a failed load rejects each one; the next need loads again."""

    async def test() -> None:
        page = Page()
        held = page.tracker.send(UNCOMMON)
        page.validation.fail(OSError("wheel request aborted"))
        with pytest.raises(ValidatorUnavailableError):
            await held
        again = page.tracker.send(UNCOMMON)
        page.validation.finish()
        assert (await again) is not None
        assert page.validation.loads == 2

    run(test)


def test_a_page_hide_while_a_send_is_held_keeps_it_for_the_next_page() -> None:
    """The held calls are written at page hide; the next page's replay sends them."""

    async def test() -> None:
        storage = MemoryStorage()
        page = Page(storage)
        page.tracker.add_user_segment("vip")
        page.tracker.send(UNCOMMON)
        page.tracker._flush_on_unload()
        page.tracker.close()
        [key] = [k for k in storage.list_keys() if k.startswith(PENDING_CALLS_PREFIX)]
        [record] = json.loads(storage.get(key) or "[]")
        assert record["calls"] == [["send", UNCOMMON]]
        storage.remove(key)  # the next page's xo.js takes it
        following = Page(storage)
        following.validation.finish()
        result = await outcome_of(replay(following.tracker, record))
        assert result == {"sent": 1, "refused": []}
        await following.tracker.idle()
        assert following.products() == ["uncommon"]
        assert following.users()[0]["segments"] == ["vip"]

    run(test)


def test_a_page_that_comes_back_takes_its_held_calls_back_and_sends_them() -> None:
    """Hidden, then visible again: the kept record is removed and the send goes out once."""

    async def test() -> None:
        page = Page()
        held = page.tracker.send(UNCOMMON)
        page.tracker._flush_on_unload()
        page.validation.finish()
        assert (await held) is not None
        assert not [k for k in page.storage.list_keys() if k.startswith(PENDING_CALLS_PREFIX)]
        assert page.products() == ["uncommon"]

    run(test)


def test_held_sends_another_page_replayed_are_not_sent_again() -> None:
    """When the kept record was taken by another page, the held send settles with None."""

    async def test() -> None:
        page = Page()
        held = page.tracker.send(UNCOMMON)
        page.tracker._flush_on_unload()
        for key in page.storage.list_keys():
            if key.startswith(PENDING_CALLS_PREFIX):
                page.storage.remove(key)
        page.validation.finish()
        assert await held is None
        assert page.transport.requests == []

    run(test)


def test_a_stored_entry_of_a_common_shape_is_sent_without_the_validator() -> None:
    """What an earlier page left in the outbox, in the shapes the SDK stores, goes out as is."""

    async def test() -> None:
        storage = MemoryStorage()
        gone = Page(storage)
        gone.transport.handler = lambda request: HttpResponse(503)
        await gone.tracker.send(COMMON)
        await gone.tracker.idle()
        gone.tracker.close()
        page = Page(storage)
        await page.tracker.flush()
        assert page.products() == ["common"]
        assert page.validation.loads == 0

    run(test)


def test_a_stored_entry_only_the_validator_can_read_waits_for_it_and_is_kept() -> None:
    """An outbox entry of an uncommon shape is neither dropped nor sent before the validator
    loads (in the background); then it goes out."""

    async def test() -> None:
        storage = MemoryStorage()
        gone = Page(storage)
        gone.validation.finish()
        gone.transport.handler = lambda request: HttpResponse(503)
        await gone.tracker.send(UNCOMMON)
        await gone.tracker.idle()
        gone.tracker.close()
        page = Page(storage)
        await page.tracker.flush()
        assert page.transport.requests == []
        assert [k for k in storage.list_keys() if k.startswith(OUTBOX_ENTRY_PREFIX)]
        assert page.validation.loads == 1
        page.validation.finish()
        await settle()
        await page.tracker.flush()
        assert page.products() == ["uncommon"]

    run(test)
