"""Property-based tests of delivery: random calls, storage faults and collector answers.

Sends come one at a time or in bursts within one tick (coalesced into one entry); pages hide,
crash (die without a page hide, their answers unseen), share the profile with a second tab that
hides, or find the outbox lock held elsewhere or refused. For any sequence, once the collector,
the network and storage are healthy again, every accepted activity has been delivered at least
once, first deliveries keep each tab's order, and nothing that was not accepted was ever sent.
Storage faults and reloads are drawn in separate runs: a queue kept in memory while storage
fails cannot survive a reload (docs/privacy.md).
"""

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.kit import World, answer, view
from xo_web.core.keys import OUTBOX_LOCK
from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.errors import TransportError
from xo_web.testing import MemoryStorage, RefusingLocks
from xo_web.tracker import Tracker

POLICY = {"retry_base_s": 0.5, "retry_cap_s": 4.0, "max_attempts": 10_000, "max_age_s": 10**7}

ANSWERS = st.sampled_from(["ok", "500", "503", "429", "408", "abort", "timeout"])
OPS = st.one_of(
    st.tuples(st.just("send"), st.integers(1, 3)),
    st.tuples(st.just("burst"), st.integers(2, 6)),
    st.tuples(st.just("collector"), st.lists(ANSWERS, min_size=1, max_size=4)),
    st.tuples(st.just("wait"), st.floats(0, 10)),
    st.tuples(st.just("online"), st.booleans()),
    st.tuples(st.just("fault"), st.booleans()),
    st.tuples(st.just("reload"), st.none()),
    st.tuples(st.just("hide"), st.none()),
    st.tuples(st.just("crash"), st.none()),
    st.tuples(st.just("other_tab_hides"), st.none()),
    st.tuples(st.just("lock_elsewhere"), st.booleans()),
)


class FlakyStorage(MemoryStorage):
    """A MemoryStorage whose every call raises while `failing` is set."""

    failing = False

    def _check(self) -> None:
        if self.failing:
            raise OSError("QuotaExceededError")

    def get(self, key: str) -> str | None:
        """Return the value, or raise while failing."""
        self._check()
        return super().get(key)

    def set(self, key: str, value: str) -> None:
        """Store the value, or raise while failing."""
        self._check()
        super().set(key, value)

    def remove(self, key: str) -> None:
        """Remove the key, or raise while failing."""
        self._check()
        super().remove(key)

    def list_keys(self) -> list[str]:
        """List the keys, or raise while failing."""
        self._check()
        return super().list_keys()


def responder(plan: list[str]) -> Any:
    """Answer requests following `plan` in a cycle."""
    turn = iter(range(10**9))

    def script(_request: HttpRequest) -> HttpResponse:
        kind = plan[next(turn) % len(plan)]
        if kind == "abort":
            raise TransportError("Failed to fetch")
        if kind == "timeout":
            raise TransportError("aborted", timeout=True)
        if kind == "ok":
            return answer(200)
        return answer(int(kind), {"retry-after": "2"} if kind == "429" else {})

    return script


async def scenario(
    ops: list[tuple[str, Any]], *, reloads: bool, refusing_locks: bool = False
) -> tuple[World, list[list[str]]]:
    """Play `ops` and heal; return the world and the accepted products of each tab in order."""
    storage = FlakyStorage()
    world = World(storage=storage, jitter=0.5)
    if refusing_locks:
        world.lock_service = RefusingLocks()
    tabs: list[list[str]] = [[]]
    tab: Tracker = world.tab(delivery=POLICY)
    counter = 0
    for op, arg in ops:
        if op == "send":
            batch = [view(f"a{counter + i}") for i in range(arg)]
            counter += arg
            tab.send(batch)
            tabs[-1].extend(a["target"]["product"] for a in batch)
        elif op == "burst":  # several sends in one tick: coalesced into one entry
            for _ in range(arg):
                tab.send(view(f"a{counter}"))
                tabs[-1].append(f"a{counter}")
                counter += 1
        elif op == "collector":
            world.collector.script = responder(arg)
        elif op == "wait":
            await world.run(arg)
        elif op == "online":
            world.environment.online = arg
            if arg:
                tab._flush_soon()
        elif op == "fault" and not reloads:
            storage.failing = arg
        elif op == "reload" and reloads:
            tab._flush_on_unload()
            await world.settle()
            world.close(tab)
            tab = world.tab(delivery=POLICY)
            tabs.append([])
        elif op == "hide":
            tab._flush_on_unload()
        elif op == "crash" and reloads:  # the page dies: no page hide, answers never seen
            world.close(tab)
            tab = world.tab(delivery=POLICY)
            tabs.append([])
        elif op == "other_tab_hides":  # a second tab of the profile hides, then goes away
            other = world.tab(delivery=POLICY)
            other._flush_on_unload()
            world.close(other)
        elif op == "lock_elsewhere":
            if arg:
                world.locks.held.add(OUTBOX_LOCK)  # another tab is flushing the outbox
            else:
                world.locks.held.discard(OUTBOX_LOCK)
        await world.settle()
    storage.failing = False
    world.locks.held.discard(OUTBOX_LOCK)
    world.environment.online = True
    world.collector.script = responder(["ok"])
    tab._flush_soon()
    await world.run(120)
    return world, tabs


def first_positions(delivered: list[str]) -> dict[str, int]:
    """Return where each product was first delivered."""
    positions: dict[str, int] = {}
    for index, product in enumerate(delivered):
        positions.setdefault(product, index)
    return positions


def check(world: World, tabs: list[list[str]]) -> None:
    """Assert at-least-once, nothing extra, and per-tab order of first deliveries."""
    delivered = world.collector.products()
    accepted = [product for tab in tabs for product in tab]
    assert set(delivered) == set(accepted)
    positions = first_positions(delivered)
    for tab in tabs:
        order = [positions[product] for product in tab]
        assert order == sorted(order)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, max_size=25))
def test_every_activity_is_delivered_despite_storage_faults(ops: list[tuple[str, Any]]) -> None:
    """With storage faults, failures and page hides, nothing is lost or invented, order kept."""
    check(*asyncio.run(scenario(ops, reloads=False)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, max_size=25))
def test_every_activity_is_delivered_across_reloads(ops: list[tuple[str, Any]]) -> None:
    """With reloads, failures and page hides, nothing is lost or invented, order kept per tab."""
    check(*asyncio.run(scenario(ops, reloads=True)))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, max_size=25))
def test_every_activity_is_delivered_when_the_lock_service_refuses(
    ops: list[tuple[str, Any]],
) -> None:
    """With every lock request refused (an opaque-origin frame), nothing is lost or invented."""
    check(*asyncio.run(scenario(ops, reloads=True, refusing_locks=True)))
