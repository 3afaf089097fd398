"""Tests of delivery through the persisted outbox: retries, pauses, caps, reloads and tabs.

Each test builds a `World` (tests/kit.py): fake clock, manual timers, shared
MemoryStorage and Web-Lock fake, and a scripted collector.
"""

import asyncio
import itertools
import json
from typing import Any

import pytest

from tests.kit import World, answer, offline, view
from xo_web.core.keys import OUTBOX_ENTRY_PREFIX, OUTBOX_LOCK
from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.delivery.dispatch import KEEPALIVE_LIMIT_BYTES
from xo_web.delivery.outcome import SendOutcome
from xo_web.delivery.unload import UNLOAD_CHUNK_BYTES
from xo_web.errors import TransportError, ValidationError
from xo_web.testing import BrokenStorage, QuotaStorage

FAST: dict[str, Any] = {"delivery": {"retry_base_s": 1.0, "retry_cap_s": 8.0, "max_attempts": 5}}


def run(coroutine: Any) -> Any:
    """Run a test scenario."""
    return asyncio.run(coroutine)


def test_batch_is_persisted_before_the_request() -> None:
    """When the request goes out, its batch is already in storage."""
    world = World()
    seen: list[int] = []

    def script(request: HttpRequest) -> HttpResponse:
        seen.append(len(world.queued()))
        return answer(200)

    world.collector.script = script

    async def go() -> None:
        await world.tab().send(view("p1"))

    run(go())
    assert seen == [1]
    assert world.queued() == []


def test_success_is_decided_by_status_not_body() -> None:
    """A 2xx with a body that is not JSON still counts as delivered."""
    world = World()
    world.collector.script = lambda request: HttpResponse(204, {}, "<html>")

    async def go() -> SendOutcome | None:
        return await world.tab().send(view("p1"))

    assert run(go()) == SendOutcome(204, True, None, None)
    assert world.queued() == []


@pytest.mark.parametrize("failure", [500, 502, 503, 408, 425, 429, "network", "timeout"])
def test_retryable_failure_is_queued_then_delivered_once(failure: int | str) -> None:
    """Network errors, timeouts, 408, 425, 429 and 5xx stay queued and are retried once."""
    world = World()
    if failure == "network":
        world.collector.then(TransportError("Failed to fetch"))
    elif failure == "timeout":
        world.collector.then(TransportError("aborted", timeout=True))
    else:
        world.collector.then(answer(int(failure)))

    async def go() -> SendOutcome | None:
        tab = world.tab()
        outcome = await tab.send(view("p1"))
        await world.run(5)
        return outcome

    outcome = run(go())
    assert outcome is not None
    assert (outcome.ok, outcome.queued) == (False, True)
    assert world.collector.products() == ["p1"]
    assert world.queued() == []


def test_retry_waits_for_the_backoff() -> None:
    """With the largest jitter draw, the first retry comes 1 s after the failure, not before."""
    world = World()
    world.collector.then(answer(503))

    async def go() -> None:
        await world.tab().send(view("p1"))
        await world.run(0.9)
        assert len(world.collector.requests) == 1
        await world.run(0.2)

    run(go())
    assert len(world.collector.requests) == 2


def test_backoff_grows_between_attempts() -> None:
    """Successive failures wait 1, 2, 4 seconds (largest draw)."""
    world = World()
    world.collector.then(answer(500), answer(500), answer(500))
    stamps: list[float] = []
    script = world.collector.script

    def timed(request: HttpRequest) -> HttpResponse:
        stamps.append(world.clock.now)
        return script(request)

    world.collector.script = timed

    async def go() -> None:
        await world.tab(**FAST).send(view("p1"))
        await world.run(20)

    run(go())
    gaps = [round(b - a, 2) for a, b in itertools.pairwise(stamps)]
    assert gaps == [1.0, 2.0, 4.0]


def test_permanent_failure_is_dropped_and_reported_once() -> None:
    """A 400 is not retried; it is reported once and leaves nothing queued."""
    world = World()
    world.collector.then(HttpResponse(400, {}, '{"message": "bad"}'))

    async def go() -> SendOutcome | None:
        outcome = await world.tab().send(view("p1"))
        await world.run(60)
        return outcome

    outcome = run(go())
    assert outcome == SendOutcome(400, False, None, "bad")
    assert len(world.collector.requests) == 1
    assert [(e.status, e.retryable) for e in world.errors] == [(400, False)]
    assert world.queued() == []


def test_rejected_merged_batch_is_split_to_isolate_the_bad_entry() -> None:
    """A 400 for several queued batches retries them one by one; only the bad one is lost."""
    world = World()

    def script(request: HttpRequest) -> HttpResponse:
        body = json.loads(request.body)
        bad = any(a["target"]["product"] == "bad" for a in body)
        return answer(503) if not world.collector.requests[1:] else answer(400 if bad else 200)

    world.collector.script = script

    async def go() -> None:
        tab = world.tab()
        await tab.send(view("p1"))  # 503: queued
        world.locks.held.add(OUTBOX_LOCK)  # hold sends back while two more queue up
        await tab.send(view("bad"))
        await tab.send(view("p2"))
        world.locks.held.clear()
        await world.run(30)

    run(go())
    assert world.collector.products() == ["p1", "p2"]
    assert world.queued() == []


def test_retry_after_pauses_every_send() -> None:
    """After 429 with Retry-After: 10 nothing is sent for 10 s, new sends included."""
    world = World()
    world.collector.then(answer(429, {"retry-after": "10"}))

    async def go() -> None:
        tab = world.tab()
        await tab.send(view("p1"))
        later = await tab.send(view("p2"))
        assert later is not None
        assert later.queued
        assert later.error
        await world.run(9.9)
        assert len(world.collector.requests) == 1
        await world.run(0.2)

    run(go())
    assert world.collector.products() == ["p1", "p2"]


def test_retry_after_pause_is_shared_with_other_tabs() -> None:
    """The pause is stored, so another tab waits too."""
    world = World()
    world.collector.then(answer(503, {"retry-after": "30"}))

    async def go() -> None:
        await world.tab().send(view("p1"))
        await world.tab().send(view("p2"))

    run(go())
    assert len(world.collector.requests) == 1


def test_hostile_pause_value_is_repaired() -> None:
    """A stored pause that is not a number is removed and does not stop sending."""
    world = World()
    world.storage.data["attraqtpause"] = "<script>alert(1)</script>"  # type: ignore[attr-defined]

    async def go() -> None:
        await world.tab().send(view("p1"))

    run(go())
    assert world.collector.products() == ["p1"]
    assert "attraqtpause" not in world.storage.data  # type: ignore[attr-defined]


def test_far_future_pause_is_clamped() -> None:
    """A stored pause years ahead holds sending back for max_retry_after_s at most."""
    world = World()
    world.storage.data["attraqtpause"] = repr(world.clock.now + 10**9)  # type: ignore[attr-defined]

    async def go() -> None:
        await world.tab(delivery={"max_retry_after_s": 5}).send(view("p1"))
        await world.run(6)

    run(go())
    assert world.collector.products() == ["p1"]


def test_attempts_are_bounded() -> None:
    """After max_attempts failures the batch is dropped and reported."""
    world = World()
    world.collector.script = lambda request: answer(500)

    async def go() -> None:
        await world.tab(**FAST).send(view("p1"))
        await world.run(600)

    run(go())
    assert len(world.collector.requests) == 5
    assert world.queued() == []
    assert world.errors[-1].retryable is False
    assert "gave up" in str(world.errors[-1])


def test_age_is_bounded() -> None:
    """A batch older than max_age_s is dropped, not sent."""
    world = World()
    world.collector.script = offline

    async def go() -> None:
        await world.tab(delivery={"max_age_s": 60, "max_attempts": 1000}).send(view("p1"))
        await world.run(120)

    run(go())
    assert world.queued() == []
    assert "gave up" in str(world.errors[-1])


def test_retryable_failures_are_reported_once_per_streak() -> None:
    """Retrying a failing collector does not flood on_error: one report until a success."""
    world = World()
    world.collector.then(answer(500), answer(500), answer(500))

    async def go() -> None:
        await world.tab(**FAST).send(view("p1"))
        await world.run(30)

    run(go())
    assert [(e.status, e.retryable) for e in world.errors] == [(500, True)]


def test_leftovers_are_sent_when_the_next_page_boots() -> None:
    """What a closed page left queued is sent by the next page's init."""
    world = World()
    world.collector.script = offline

    async def first() -> None:
        await world.tab().send(view("p1"))

    run(first())
    world.close(world.tabs[0])
    world.collector.then()

    async def second() -> None:
        world.tab()
        await world.run(0)

    run(second())
    assert world.collector.products() == ["p1"]


def test_queued_activity_keeps_the_user_it_was_sent_with() -> None:
    """An event queued before logout is retried after it with the logged-in identities."""
    world = World()
    world.collector.then(answer(503))

    async def go() -> None:
        tab = world.tab()
        tab.add_user_identity("crmId", "alice")
        await tab.send(view("p1"))
        tab.clear_user()
        await tab.send(view("p2"))
        await world.run(10)

    run(go())
    first, second = world.collector.accepted
    assert first["user"]["identities"]["crmid"] == "alice"
    assert "crmid" not in second["user"]["identities"]
    assert first["user"]["identities"]["sessionid"] != second["user"]["identities"]["sessionid"]


def test_order_is_kept_per_tab() -> None:
    """Later sends never overtake an earlier one waiting for its retry."""
    world = World()
    world.collector.then(answer(503), answer(503))

    async def go() -> None:
        tab = world.tab()
        for product in ("p1", "p2", "p3"):
            await tab.send(view(product))
        await world.run(30)

    run(go())
    assert world.collector.products() == ["p1", "p2", "p3"]


def test_offline_tries_nothing_and_online_flushes_at_once() -> None:
    """While navigator.onLine is false nothing is requested; `online` sends right away."""
    world = World()
    world.environment.online = False

    async def go() -> None:
        tab = world.tab()
        outcome = await tab.send(view("p1"))
        assert outcome is not None
        assert outcome.queued
        assert outcome.error == "offline"
        await world.run(60)
        assert world.collector.requests == []
        world.environment.online = True
        tab._flush_soon()
        await world.run(0)

    run(go())
    assert world.collector.products() == ["p1"]


def test_other_tab_holding_the_lock_sends_nothing_here() -> None:
    """With the outbox lock taken, this tab queues and tries again later."""
    world = World()
    world.locks.held.add(OUTBOX_LOCK)

    async def go() -> None:
        tab = world.tab()
        outcome = await tab.send(view("p1"))
        assert outcome is not None
        assert outcome.queued
        assert world.collector.requests == []
        world.locks.held.clear()
        await world.run(2)

    run(go())
    assert world.collector.products() == ["p1"]


def test_two_tabs_never_send_an_entry_twice() -> None:
    """Two tabs flushing the shared outbox deliver each queued activity once."""
    world = World()
    world.collector.script = offline

    async def go() -> None:
        first = world.tab()
        for i in range(5):
            await first.send(view(f"a{i}"))
        world.collector.then()
        second = world.tab()
        await asyncio.gather(first.send(view("a5")), second.send(view("b0")), first.flush())
        await world.run(30)

    run(go())
    assert sorted(world.collector.products()) == sorted([f"a{i}" for i in range(6)] + ["b0"])


def test_dead_tabs_in_flight_entry_is_resent_after_its_lease() -> None:
    """A tab that died mid-request blocks its entry only until the lease expires."""
    world = World()
    hang: asyncio.Future[HttpResponse] | None = None

    async def go() -> None:
        nonlocal hang
        hang = asyncio.get_running_loop().create_future()
        world.collector.script = lambda request: answer(200)

        class Hanging:
            async def send(self, request: HttpRequest) -> HttpResponse:
                assert hang is not None
                return await hang

        first = world.tab(timeout_s=2, transport=Hanging())
        task = asyncio.ensure_future(first.send(view("p1")))
        for _ in range(5):
            await asyncio.sleep(0)  # the request is out, the entry claimed
        world.close(first)
        second = world.tab(timeout_s=2)
        await world.run(1)
        assert world.collector.requests == []  # still leased by the dead tab
        await world.run(10)
        task.cancel()
        del second

    run(go())
    assert world.collector.products() == ["p1"]


def test_late_answer_does_not_requeue_a_delivered_entry() -> None:
    """A failure answer arriving after another tab delivered the entry changes nothing."""
    world = World()

    async def go() -> None:
        gate: asyncio.Future[HttpResponse] = asyncio.get_running_loop().create_future()

        class Slow:
            async def send(self, request: HttpRequest) -> HttpResponse:
                return await gate

        first = world.tab(timeout_s=1, transport=Slow())
        pending = asyncio.ensure_future(first.send(view("p1")))
        for _ in range(5):
            await asyncio.sleep(0)
        world.clock.now += 30  # the lease of the first attempt has expired
        world.locks.held.clear()  # ... and so has a storage lease of the frozen first tab
        second = world.tab(timeout_s=1)
        await second.flush()
        assert world.collector.products() == ["p1"]
        gate.set_result(answer(500))  # the first tab's late answer
        await pending
        await world.run(60)

    run(go())
    assert world.collector.products() == ["p1"]
    assert world.queued() == []


def test_count_cap_evicts_oldest_and_reports_it() -> None:
    """Beyond max_activities the oldest queued activities are dropped, counted and reported."""
    world = World()
    world.collector.script = offline

    async def go() -> Any:
        tab = world.tab(delivery={"max_activities": 3, "retry_base_s": 600})
        for i in range(5):
            await tab.send(view(f"p{i}"))
        world.collector.then()
        await tab.flush()
        return tab.delivery_stats

    stats = run(go())
    assert world.collector.products() == ["p2", "p3", "p4"]
    assert stats.evicted == 2
    assert any("full" in str(e) for e in world.errors)


def test_unload_flush_stays_within_the_keepalive_budget() -> None:
    """At page hide, keepalive chunks of at most 16 KiB, 64 KiB in all; the rest stays."""
    world = World()
    world.collector.script = offline

    async def go() -> tuple[int, int]:
        tab = world.tab(delivery={"retry_base_s": 600})
        for i in range(30):
            await tab.send(view(f"p{i}", blob="x" * 1500, more="y" * 1500))
        before = len(world.collector.requests)
        world.collector.then()
        made = tab._flush_on_unload()
        await world.settle()
        return before, made

    before, made = run(go())
    unload = world.collector.requests[before:]
    sizes = [len(r.body.encode()) for r in unload]
    assert made == len(sizes) >= 2
    assert all(size <= UNLOAD_CHUNK_BYTES for size in sizes)
    assert sum(sizes) <= KEEPALIVE_LIMIT_BYTES
    assert all(r.keepalive for r in unload)
    assert 0 < len(world.queued()) < 30


def test_handed_off_entries_are_not_sent_twice_by_the_next_page() -> None:
    """On a healthy channel, a fresh entry on a keepalive request at page hide is trusted to
    the browser."""
    world = World()

    async def go() -> None:
        tab = world.tab(timeout_s=1)
        await tab.send(view("p0"))  # the channel works: the latest attempt succeeded
        world.locks.held.add(OUTBOX_LOCK)
        await tab.send(view("p1"))
        tab._flush_on_unload()
        world.close(tab)  # the page is gone before the answer is seen
        world.locks.held.clear()
        world.clock.now += 10
        world.tab(timeout_s=1)
        await world.run(30)

    run(go())
    assert [product for product in world.collector.products()] == ["p0", "p1"]
    assert len(world.collector.requests) == 2
    assert world.queued() == []


def test_nothing_is_handed_off_before_an_attempt_of_the_page_succeeded() -> None:
    """With no success seen yet, a page-hide entry stays until acknowledged (sent again)."""
    world = World()
    world.locks.held.add(OUTBOX_LOCK)

    async def go() -> None:
        tab = world.tab(timeout_s=1)
        await tab.send(view("p1"))
        tab._flush_on_unload()
        world.close(tab)  # the page is gone before the answer is seen
        world.locks.held.clear()
        world.clock.now += 10
        world.tab(timeout_s=1)
        await world.run(30)

    run(go())
    assert world.collector.products() == ["p1", "p1"]  # a duplicate, never a loss
    assert world.queued() == []


def test_a_tab_closed_during_an_outage_loses_nothing() -> None:
    """Never-failed entries sent at page hide while the channel fails are kept: all arrive."""
    world = World()

    async def go() -> None:
        world.collector.script = offline
        tab = world.tab(timeout_s=1)
        await tab.send(view("p1"))  # its first attempt fails: the channel is failing
        for product in ("p2", "p3", "p4"):
            world.clock.now += 0.3
            await tab.send(view(product))
        tab._flush_on_unload()
        world.close(tab)
        world.collector.script = lambda _request: answer(200)
        world.clock.now += 60
        world.tab(timeout_s=1)
        await world.run(600)

    run(go())
    assert sorted(set(world.collector.products())) == ["p1", "p2", "p3", "p4"]
    assert world.queued() == []


def test_another_tabs_entries_are_never_handed_off() -> None:
    """A page hide in a healthy tab keeps another tab's never-failed entries until confirmed."""
    world = World()

    async def go() -> None:
        healthy = world.tab(timeout_s=1)
        await healthy.send(view("p0"))
        world.locks.held.add(OUTBOX_LOCK)
        other = world.tab(timeout_s=1)
        await other.send(view("other"))
        world.close(other)
        healthy._flush_on_unload()
        world.close(healthy)
        world.locks.held.clear()
        world.clock.now += 10
        world.tab(timeout_s=1)
        await world.run(30)

    run(go())
    assert world.collector.products().count("other") == 2
    assert world.queued() == []


def test_failed_entries_sent_at_page_hide_are_kept_until_confirmed() -> None:
    """An entry that already failed is resent by the next page: at least once."""
    world = World()
    world.collector.then(answer(503), TransportError("gone with the page"))

    async def go() -> None:
        tab = world.tab(timeout_s=1, delivery={"retry_base_s": 600})
        await tab.send(view("p1"))
        tab._flush_on_unload()
        world.close(tab)
        world.clock.now += 700
        world.tab(timeout_s=1)
        await world.run(30)

    run(go())
    assert world.collector.products() == ["p1"]


def test_opt_out_drops_the_queue() -> None:
    """Opting out removes whatever is still queued."""
    world = World()
    world.collector.script = offline

    async def go() -> None:
        tab = world.tab()
        await tab.send(view("p1"))
        tab.opt_out()

    run(go())
    assert world.queued() == []


@pytest.mark.parametrize("store", [BrokenStorage(), QuotaStorage(limit_bytes=200)])
def test_storage_faults_still_deliver_with_retries(store: Any) -> None:
    """Throwing or full storage: the queue lives in memory and retries still deliver."""
    world = World(storage=store)
    world.collector.then(answer(503))

    async def go() -> None:
        await world.tab().send(view("p1"))
        await world.run(5)

    run(go())
    assert world.collector.products() == ["p1"]
    assert any("memory" in warning for warning in world.environment.warnings)


def test_hand_corrupted_entry_is_dropped_not_sent() -> None:
    """A stored entry edited to hold an invalid activity never reaches the collector."""
    world = World()
    world.collector.script = offline

    async def go() -> None:
        await world.tab().send(view("p1"))

    run(go())
    data = world.storage.data  # type: ignore[attr-defined]
    key = next(k for k in data if k.startswith(OUTBOX_ENTRY_PREFIX))
    data[key] = data[key].replace('"product":"p1"', '"product":{"$gt":""}')
    world.close(world.tabs[0])
    world.collector.then()

    async def again() -> None:
        world.tab()
        await world.run(5)

    run(again())
    assert len(world.collector.requests) == 1  # the first, failed attempt only
    assert world.collector.accepted == []
    assert world.queued() == []


@pytest.mark.parametrize(
    "activity",
    [
        {"action": "view", "target": {}, "metadata": {"price": float("nan")}},
        {"action": "view", "target": {}, "metadata": {"price": float("inf")}},
        {"action": "view", "target": {"p": "\udc00"}},
        {"action": "view", "target": {"p": object()}},
        {"action": "view", "target": {}, "deep": [[[[[[[[[[[1]]]]]]]]]]]},
        {"action": "view", "target": {"p": "x" * 100_000}},
    ],
)
def test_hostile_input_is_refused_and_nothing_is_stored(activity: dict[str, Any]) -> None:
    """NaN, Infinity, lone surrogates, unsupported values, deep nesting, huge values: refused."""
    world = World()
    tab = world.tab()
    with pytest.raises(ValidationError):
        tab.send(activity)
    assert world.queued() == []
    assert world.collector.requests == []


def test_cyclic_input_is_refused() -> None:
    """A self-referencing activity is refused at the call."""
    world = World()
    cyclic: dict[str, Any] = {"action": "view", "target": {}}
    cyclic["extra"] = cyclic
    with pytest.raises(ValidationError):
        world.tab().send(cyclic)
    assert world.queued() == []


def test_send_never_raises_for_delivery_problems() -> None:
    """A transport that raises something unexpected resolves an outcome and reports it."""
    world = World()
    world.collector.then(KeyError("bug"))

    async def go() -> SendOutcome | None:
        return await world.tab().send(view("p1"))

    outcome = run(go())
    assert outcome is not None
    assert outcome.ok is False
    assert world.errors


def test_entries_left_under_another_tracker_key_expire() -> None:
    """A queued entry of another tracker key is never sent here, but expires after max_age_s."""
    world = World()

    async def go() -> None:
        world.collector.script = offline
        old = world.tab(init=False)
        old.init("old-key", timeout_s=1, delivery={"max_age_s": 60})
        await old.send(view("stale"))
        world.close(old)
        world.collector.script = lambda _request: answer(200)
        world.tab(timeout_s=1, delivery={"max_age_s": 60})
        await world.run(30)
        assert len(world.queued()) == 1  # still young: kept for its own key's pages
        await world.run(60)

    run(go())
    assert world.queued() == []
    assert "stale" not in world.collector.products()
    assert any("gave up" in str(error) for error in world.errors)


def test_a_stale_success_does_not_make_the_channel_healthy() -> None:
    """A success more than 30 s old does not let a page-hide entry be handed off."""
    world = World()

    async def go() -> None:
        tab = world.tab(timeout_s=1)
        await tab.send(view("p0"))
        world.clock.now += 31
        world.locks.held.add(OUTBOX_LOCK)
        await tab.send(view("p1"))
        tab._flush_on_unload()
        world.close(tab)
        world.locks.held.clear()
        world.clock.now += 10
        world.tab(timeout_s=1)
        await world.run(30)

    run(go())
    assert world.collector.products() == ["p0", "p1", "p1"]  # a duplicate, never a loss
