"""The JS facade under CPython: names, argument shapes, answers and errors."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from tests.kit import VIEW
from xo_web.facade.calls import Answer, Facade, JsOutcome, init_arguments
from xo_web.facade.names import ACTIVITY_METHODS, QUEUEABLE_JS_NAMES, MethodName
from xo_web.testing import MockTransport
from xo_web.tracker import Tracker


@pytest.mark.parametrize("method", ACTIVITY_METHODS, ids=lambda m: m.js)
def test_every_js_name_maps_to_a_tracker_attribute_of_its_kind(method: MethodName) -> None:
    """A getter maps to a Tracker property, a call or a send to a Tracker method."""
    attribute = inspect.getattr_static(Tracker, method.py)
    if method.kind == "getter":
        assert isinstance(attribute, property)
    else:
        assert inspect.isfunction(attribute)


def test_only_send_answers_with_a_promise() -> None:
    """send is the one method whose answer is awaitable (a Promise in page code)."""
    assert [m.py for m in ACTIVITY_METHODS if m.kind == "send"] == ["send"]


def test_the_stub_queues_every_method_but_the_getters() -> None:
    """Every call or send of the table can be queued before boot; getters cannot."""
    expected = [m.js for m in ACTIVITY_METHODS if m.kind in ("call", "send")]
    assert list(QUEUEABLE_JS_NAMES) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([{"trackerKey": "k", "region": "ap1"}], {"tracker_key": "k", "region": "ap1"}),
        ([{"activity": {"trackerKey": "k"}}], {"tracker_key": "k"}),
        (["k", "ap2"], {"tracker_key": "k", "region": "ap2"}),
        ([{"trackerKey": "k", "collectUrl": None}], {"tracker_key": "k"}),
        (
            [{"trackerKey": "k", "collectUrl": "http://127.0.0.1:8000/collect"}],
            {"tracker_key": "k", "collect_url": "http://127.0.0.1:8000/collect"},
        ),
    ],
)
def test_init_accepts_the_js_sdk_shapes(args: list[object], expected: dict[str, object]) -> None:
    """``init`` takes ``{trackerKey,…}``, ``xo.init({activity: {…}})`` or positional strings."""
    assert init_arguments(args) == expected


def test_init_refuses_unknown_options() -> None:
    """A misspelt init option is an error, not silently ignored."""
    with pytest.raises(ValueError, match="trackerkey"):
        init_arguments([{"trackerkey": "k"}])


def test_call_by_js_name_reaches_the_tracker(tracker: Tracker) -> None:
    """``addUserIdentity`` through the facade changes the tracker's user."""
    answer = Facade(tracker).call("addUserIdentity", ["ecommerceId", "e-1"])
    assert answer == Answer(True)
    assert tracker.user["identities"]["ecommerceid"] == "e-1"


def test_getter_answers_with_the_value(tracker: Tracker) -> None:
    """``getSessionId`` answers with the tracker's session id."""
    assert Facade(tracker).call("getSessionId", []).value == tracker.session_id


def test_invalid_input_answers_a_type_error_with_the_field(tracker: Tracker) -> None:
    """A validation failure becomes ``{ok: false, kind: TypeError}`` naming the field."""
    answer = Facade(tracker).call("send", [{"action": "view", "target": {"p": {"x": 1}}}])
    assert (answer.ok, answer.kind) == (False, "TypeError")
    assert answer.message.startswith("The provided activity does not match the required format.")
    assert "target.p" in answer.message


def test_wrong_argument_count_answers_a_type_error(tracker: Tracker) -> None:
    """Calling a setter with the wrong number of arguments is a TypeError, not a crash."""
    answer = Facade(tracker).call("addUserIdentity", ["only-one"])
    assert (answer.ok, answer.kind) == (False, "TypeError")


def test_unknown_method_answers_a_type_error(tracker: Tracker) -> None:
    """A name outside the table is refused with a message naming it."""
    answer = Facade(tracker).call("explode", [])
    assert (answer.ok, answer.kind) == (False, "TypeError")
    assert "explode" in answer.message


def test_send_before_init_answers_an_error(make_tracker) -> None:
    """``send`` before ``init`` is an Error (not a TypeError), as in the JS SDK."""
    answer = Facade(make_tracker(init=False)).call("send", [VIEW])
    assert (answer.ok, answer.kind) == (False, "Error")


def test_send_answers_an_awaitable_of_a_plain_outcome(
    tracker: Tracker, transport: MockTransport
) -> None:
    """``send`` answers an awaitable that resolves to a plain dict for JS."""

    async def go() -> object:
        answer = Facade(tracker).call("send", [VIEW])
        assert answer.ok
        assert answer.awaitable is not None
        return await answer.awaitable

    outcome = asyncio.run(go())
    assert outcome == {"status": 200, "ok": True, "profiles": {}, "error": None, "queued": False}
    assert len(transport.requests) == 1


def test_a_send_outcome_is_watched_without_a_task(
    tracker: Tracker, transport: MockTransport
) -> None:
    """Inside a loop the outcome of each send of a tick is watchable and resolves as a dict."""

    async def go() -> list[object]:
        answers = [Facade(tracker).call("send", [VIEW]) for _ in range(3)]
        settled: list[object] = []
        for answer in answers:
            assert isinstance(answer.awaitable, JsOutcome)
            assert answer.awaitable.watchable
            answer.awaitable.when_done(settled.append, settled.append)
        await asyncio.gather(*(answer.awaitable for answer in answers if answer.awaitable))
        await asyncio.sleep(0)  # the done callbacks run on the next loop iteration
        return settled

    settled = asyncio.run(go())
    plain = {"status": 200, "ok": True, "profiles": {}, "error": None, "queued": False}
    assert settled == [plain, plain, plain]
    assert len(transport.requests) == 1  # the three sends of the tick shared one request


def test_a_failed_outcome_is_rejected_and_a_cancelled_one_left_alone() -> None:
    """when_done calls reject with the error, and neither callback for a cancelled send."""

    async def go() -> list[object]:
        loop = asyncio.get_running_loop()
        failed, cancelled = loop.create_future(), loop.create_future()
        seen: list[object] = []
        JsOutcome(failed).when_done(seen.append, lambda error: seen.append(repr(error)))
        JsOutcome(cancelled).when_done(seen.append, seen.append)
        failed.set_exception(RuntimeError("boom"))
        cancelled.cancel()
        await asyncio.sleep(0)
        return seen

    assert asyncio.run(go()) == ["RuntimeError('boom')"]


def test_an_outcome_outside_a_loop_is_awaited_not_watched() -> None:
    """A coroutine (a send outside any loop) is not watchable; awaiting converts its value."""

    async def outcome() -> None:
        return None

    js_outcome = JsOutcome(outcome())
    assert not js_outcome.watchable
    assert asyncio.run(_await(js_outcome)) is None


async def _await(awaitable: JsOutcome) -> object:
    return await awaitable
