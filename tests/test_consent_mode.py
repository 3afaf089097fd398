"""Tests of the opt-in mode (docs/privacy.md) on a Tracker over xo_web.testing fakes: what is held,
stored and sent while consent is pending, at a grant, a refusal and a withdrawal."""

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.kit import World, answer, view
from xo_web.core.consent import decide
from xo_web.core.keys import (
    CONSENT_STORAGE_KEY,
    OPT_OUT_STORAGE_KEY,
    OUTBOX_ENTRY_PREFIX,
    SESSION_STORAGE_KEY,
)
from xo_web.errors import ConfigError, ConsentError
from xo_web.testing import MemoryStorage, QuotaStorage

REQUIRED: dict[str, Any] = {"consent": "required"}


def run(coroutine: Any) -> Any:
    """Run a test scenario."""
    return asyncio.run(coroutine)


def stored(world: World) -> set[str]:
    """The keys the SDK left in storage."""
    assert isinstance(world.storage, MemoryStorage)
    return set(world.storage.data)


def test_pending_stores_nothing_and_sends_nothing() -> None:
    """While consent is pending, calls work but nothing is written to storage or sent."""
    world = World()

    async def go() -> None:
        tab = world.tab(**REQUIRED)
        tab.add_user_identity("crmid", "c-1")
        tab.send(view("p1"))
        await world.run(30)
        assert tab.consent == "pending"
        assert tab.session_id  # in memory

    run(go())
    assert stored(world) == set()
    assert world.collector.requests == []


def test_grant_delivers_the_held_sends_once_in_order_with_one_session() -> None:
    """opt_in() stores the session id and sends every held activity once, in order, with the
    identities set while pending and the session id of what follows."""
    world = World()

    async def go() -> list[Any]:
        tab = world.tab(**REQUIRED)
        tab.add_user_identity("crmid", "c-1")
        first = tab.send(view("p1"))
        second = tab.send([view("p2"), view("p3")])
        tab.opt_in()
        outcomes = [await first, await second]
        await tab.send(view("p4"))
        await world.run(30)
        assert world.storage.get(SESSION_STORAGE_KEY) == tab.session_id
        return outcomes

    outcomes = run(go())
    assert all(o is not None and o.ok for o in outcomes)
    assert world.collector.products() == ["p1", "p2", "p3", "p4"]
    sessions = {a["user"]["identities"]["sessionid"] for a in world.collector.accepted}
    assert len(sessions) == 1
    assert world.collector.accepted[0]["user"]["identities"]["crmid"] == "c-1"
    assert stored(world) == {SESSION_STORAGE_KEY, CONSENT_STORAGE_KEY}


def test_the_api_grant_is_remembered_by_the_next_page() -> None:
    """A grant given through the API holds on the next page (attraqtconsent)."""
    world = World()

    async def go() -> None:
        world.tab(**REQUIRED).opt_in()
        again = world.tab(**REQUIRED)
        assert again.consent == "granted"
        await again.send(view("p1"))

    run(go())
    assert world.collector.products() == ["p1"]


def test_a_grant_with_full_storage_holds_for_the_page_and_delivers_the_held_sends() -> None:
    """Storage full at the grant: the held sends are still delivered, in order, and the grant
    holds for the page; what could not be stored is a warning, never thrown at the caller."""
    world = World(storage=QuotaStorage(0))

    async def go() -> list[Any]:
        tab = world.tab(**REQUIRED)
        held = [tab.send(view("p1")), tab.send(view("p2"))]
        tab.opt_in()  # must not raise
        outcomes = [await h for h in held]
        await tab.send(view("p3"))
        await world.run(30)
        assert tab.consent == "granted"
        return outcomes

    outcomes = run(go())
    assert all(o is not None and o.ok for o in outcomes)
    assert world.collector.products() == ["p1", "p2", "p3"]
    assert stored(world) == set()
    assert any("consent choices" in w for w in world.environment.warnings)


def test_refusal_drops_the_held_sends_and_stores_only_the_refusal() -> None:
    """opt_out() while pending: the held sends resolve to None, only attraqtoptout is stored."""
    world = World()

    async def go() -> Any:
        tab = world.tab(**REQUIRED)
        held = tab.send(view("p1"))
        tab.opt_out()
        outcome = await held
        await world.run(30)
        assert world.tab(**REQUIRED).consent == "denied"  # remembered
        return outcome

    assert run(go()) is None
    assert world.collector.requests == []
    assert world.storage.get(OPT_OUT_STORAGE_KEY) == "true"
    assert stored(world) == {OPT_OUT_STORAGE_KEY}


def test_withdrawal_removes_the_session_and_the_outbox_and_stops_at_once() -> None:
    """A platform's refusal after a grant drops the outbox and the stored session id; nothing
    more is sent; a later grant starts a new session."""
    world = World()
    world.collector.then(answer(503))

    async def go() -> tuple[str, str]:
        tab = world.tab(**REQUIRED)
        tab._set_page_consent("granted")
        first_session = tab.session_id
        await tab.send(view("p1"))  # refused by the collector: stays in the outbox
        assert any(k.startswith(OUTBOX_ENTRY_PREFIX) for k in stored(world))
        tab._set_page_consent("denied")
        assert stored(world) == set()
        assert await tab.send(view("p2")) is None
        await world.run(60)
        tab._set_page_consent("granted")
        await tab.send(view("p3"))
        return first_session, tab.session_id

    first, second = run(go())
    assert first != second
    assert world.collector.products() == ["p3"]
    assert [a["user"]["identities"]["sessionid"] for a in world.collector.accepted] == [second]


def test_an_overflowing_send_is_reported_not_held() -> None:
    """Past consent_buffer activities, a send is dropped and a ConsentError reported."""
    world = World()

    async def go() -> Any:
        tab = world.tab(consent="required", consent_buffer=2)
        tab.send([view("p1"), view("p2")])
        overflow = await tab.send(view("p3"))
        tab.opt_in()
        await world.run(5)
        return overflow

    assert run(go()) is None
    assert [type(e) for e in world.errors] == [ConsentError]
    assert "a send of 1 was dropped" in str(world.errors[0])
    assert world.collector.products() == ["p1", "p2"]


@pytest.mark.parametrize("options", [{"consent": "maybe"}, {"consent_buffer": 0}])
def test_bad_consent_options_are_refused(options: dict[str, Any]) -> None:
    """init() refuses an unknown consent mode and a buffer limit below 1."""
    with pytest.raises(ConfigError):
        World().tab(**options)


def test_default_mode_waits_for_a_platform_that_is_deciding() -> None:
    """In the default mode, a platform still deciding holds writes and sends; once it says
    nothing in time ("unanswered"), the default mode goes on and the held send goes out."""
    world = World()

    async def go() -> None:
        tab = world.tab(init=False)
        tab._set_page_consent("pending")
        tab.init("test-key")
        sent = tab.send(view("p1"))
        assert stored(world) == set()
        tab._set_page_consent("unanswered")
        assert (await sent) is not None

    run(go())
    assert world.collector.products() == ["p1"]


@pytest.mark.parametrize(
    ("mode", "page", "expected"),
    [
        ("required", "none", "pending"),
        ("required", "unanswered", "pending"),
        ("not-required", "unanswered", "granted"),
        ("not-required", "none", "granted"),
        ("required", "granted", "granted"),
        ("not-required", "denied", "denied"),
    ],
)
def test_the_platforms_verdict_in_each_mode(mode: str, page: str, expected: str) -> None:
    """A silent platform is no consent in the opt-in mode and no say in the default mode."""
    assert decide(mode, opted_out=False, refused=False, page=page, api_granted=False) == expected


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        ({"opted_out": True, "page": "granted", "api_granted": True}, "denied"),
        ({"refused": True, "page": "granted", "api_granted": True}, "denied"),
        ({"page": "denied", "api_granted": True}, "denied"),
        ({"page": "pending", "api_granted": True}, "pending"),
        ({"page": "none", "api_granted": True}, "granted"),
    ],
)
def test_the_stricter_signal_wins(signals: dict[str, Any], expected: str) -> None:
    """The XO opt-out, then DNT/GPC, then the platforms, then the API grant."""
    options: dict[str, Any] = {"opted_out": False, "refused": False, **signals}
    assert decide("required", **options) == expected


SIGNALS = st.sampled_from(["grant", "deny", "withdraw_page", "page_pending", "opt_in", "opt_out"])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.integers(1, 3)),
        st.tuples(st.just("signal"), SIGNALS),
        st.tuples(st.just("collector"), st.lists(st.sampled_from([200, 503, 429]), max_size=3)),
        st.tuples(st.just("wait"), st.floats(0, 20)),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_a_send_made_while_pending_reaches_the_wire_at_most_once_and_once_if_granted(
    ops: list[tuple[str, Any]],
) -> None:
    """Whatever the order of sends, grants, refusals, withdrawals and collector failures, an
    activity sent while pending is accepted at most once, exactly once if consent is granted
    before any refusal; nothing is sent while consent is not granted."""
    world = World()
    sent_while_granted: list[bool] = []

    def script(request: Any) -> Any:
        sent_while_granted.append(tab.consent == "granted")
        return answers.pop(0) if answers else answer(200)

    answers: list[Any] = []
    world.collector.script = script
    tab = world.tab(consent="required", delivery={"retry_base_s": 0.5, "max_attempts": 10**4})
    pending_fate: dict[str, str] = {}  # product -> "held" | "granted" | "dropped"
    counter = 0

    def apply(signal: str) -> None:
        actions = {
            "grant": lambda: tab._set_page_consent("granted"),
            "deny": lambda: tab._set_page_consent("denied"),
            "withdraw_page": lambda: tab._set_page_consent("denied"),
            "page_pending": lambda: tab._set_page_consent("pending"),
            "opt_in": tab.opt_in,
            "opt_out": tab.opt_out,
        }
        actions[signal]()
        state = tab.consent
        accepted = {a["target"]["product"] for a in world.collector.accepted}
        for product, fate in pending_fate.items():
            if fate == "held" and state in ("granted", "denied"):
                pending_fate[product] = "granted" if state == "granted" else "dropped"
            elif fate == "granted" and state == "denied" and product not in accepted:
                pending_fate[product] = "dropped"  # withdrawn before it was delivered

    async def go() -> None:
        nonlocal counter
        for op, arg in ops:
            if op == "send":
                products = [f"p{counter + i}" for i in range(arg)]
                counter += arg
                if tab.consent == "pending":
                    pending_fate.update(dict.fromkeys(products, "held"))
                tab.send([view(p) for p in products])
            elif op == "signal":
                apply(arg)
            elif op == "collector":
                answers.extend(answer(status) for status in arg)
            else:
                await world.run(arg)
        if tab.consent == "granted":
            answers.clear()
            await world.run(120)

    run(go())
    assert all(sent_while_granted)
    accepted = [a["target"]["product"] for a in world.collector.accepted]
    for product, fate in pending_fate.items():
        assert accepted.count(product) <= 1, product
        if fate == "granted" and tab.consent == "granted":
            assert accepted.count(product) == 1, product
        if fate == "dropped":
            assert accepted.count(product) == 0, product


def test_the_js_face_takes_the_mode_and_answers_get_consent() -> None:
    """init({trackerKey, consent: "required", consentBuffer}) and getConsent() by JS names."""
    from xo_web.facade.calls import Facade

    tab = World().tab(init=False)
    facade = Facade(tab)
    assert facade.call("init", [{"trackerKey": "k", "consent": "required", "consentBuffer": 5}]).ok
    assert facade.call("getConsent", []).value == "pending"
    assert facade.call("optIn", []).ok
    assert facade.call("getConsent", []).value == "granted"
