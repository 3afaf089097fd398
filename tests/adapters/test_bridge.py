"""The worker's side of the page bridge under CPython: the storage mirror and page calls."""

from __future__ import annotations

import asyncio
from typing import Any

from xo_web.adapters.bridge import MirrorStorage, PageEnvironment, WorkerBridge
from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.errors import TransportError
from xo_web.testing import START, FakeClock, MockTransport
from xo_web.tracker import Tracker


def worker(
    transport: MockTransport | None = None,
) -> tuple[list[dict[str, Any]], WorkerBridge, Tracker]:
    """A Tracker served by a WorkerBridge over a mirror; every message to the page is kept."""
    posted: list[dict[str, Any]] = []
    mirror = MirrorStorage({}, posted.append)
    environment = PageEnvironment(posted.append)
    bridge = WorkerBridge(mirror, environment, posted.append)
    tracker = Tracker(
        mirror, transport or MockTransport(), environment=environment, clock=FakeClock(START)
    )
    tracker._on_init = bridge.announce
    bridge.serve(tracker)
    return posted, bridge, tracker


async def send_one(tracker: Tracker) -> None:
    """Init ``tracker`` and send one activity to the end of its first attempt."""
    tracker.init("key")
    await tracker.send({"action": "view", "target": {}})


def test_the_mirror_keeps_only_attraqt_keys_and_posts_writes_in_order() -> None:
    """The snapshot's foreign keys are ignored; every write is posted with a growing number."""
    posted: list[dict[str, Any]] = []
    mirror = MirrorStorage({"attraqtsessionid": "s", "other": "x"}, posted.append)
    mirror.set("attraqtoptout", "true")
    mirror.remove("attraqtsessionid")
    assert mirror.list_keys() == ["attraqtoptout"]
    assert [(m["key"], m["value"], m["seq"]) for m in posted] == [
        ("attraqtoptout", "true", 1),
        ("attraqtsessionid", None, 2),
    ]


def test_a_page_change_yields_to_a_later_write_of_the_worker() -> None:
    """A change read before the page applied the worker's latest write of a key is ignored."""
    mirror = MirrorStorage({}, lambda _m: None)
    mirror.set("attraqtsessionid", "mine")  # write 1
    mirror.changed("attraqtsessionid", "other-tab", 0)
    assert mirror.get("attraqtsessionid") == "mine"
    mirror.changed("attraqtsessionid", "other-tab", 1)
    assert mirror.get("attraqtsessionid") == "other-tab"
    mirror.changed("attraqtsessionid", None, 1)
    assert mirror.get("attraqtsessionid") is None


def test_a_reset_keeps_the_writes_the_page_has_not_applied() -> None:
    """Another tab's clear() replaces the mirror, except the worker's writes still in flight."""
    mirror = MirrorStorage({"attraqtoptout": "true"}, lambda _m: None)
    mirror.set("attraqtsessionid", "mine")
    mirror.reset({"attraqtpause": "9"}, 0)
    assert sorted(mirror.list_keys()) == ["attraqtpause", "attraqtsessionid"]


def test_page_calls_are_answered_and_sends_settle_with_their_outcome() -> None:
    """A page call gets an answer; a send gets its outcome after; bad input gets a TypeError."""
    posted, bridge, _tracker = worker()

    async def run() -> None:
        bridge.receive({"xo": "call", "id": 1, "name": "init", "args": ["key"]})
        bridge.receive({"xo": "call", "id": 2, "name": "send",
                        "args": [{"action": "view", "target": {}}]})  # fmt: skip
        bridge.receive({"xo": "call", "id": 3, "name": "send", "args": [{"action": 1}]})
        for _ in range(200):  # the outcome follows the delivery's answer
            if any(m["xo"] == "outcome" for m in posted):
                break
            await asyncio.sleep(0.005)

    asyncio.run(run())
    by_kind = {(m["xo"], m.get("id")): m for m in posted}
    assert by_kind[("ready", None)]["trackerKey"] == "key"
    assert by_kind[("answer", 2)]["ok"] is True
    assert by_kind[("outcome", 2)]["value"]["ok"] is True
    assert by_kind[("answer", 3)]["kind"] == "TypeError"
    assert ("outcome", 3) not in by_kind
    assert any(m["xo"] == "set" and m["key"] == "attraqtsessionid" for m in posted)


def test_writes_say_the_channel_is_healthy_only_after_a_success() -> None:
    """Before any answer ``healthyUntil`` is 0; after a 2xx it is the success time plus 30 s."""
    posted, _bridge, tracker = worker()
    asyncio.run(send_one(tracker))
    writes = [m for m in posted if m["xo"] == "set"]
    assert writes[0]["healthyUntil"] == 0.0
    assert writes[-1]["value"] is None  # the acknowledged entry leaves storage
    assert writes[-1]["healthyUntil"] == START + 30.0


def test_a_failing_collector_leaves_the_channel_unhealthy() -> None:
    """After a refused connection, every write says not healthy (no hand-off at page hide)."""

    def refuse(_request: HttpRequest) -> HttpResponse:
        raise TransportError("connection refused")

    posted, _bridge, tracker = worker(MockTransport(refuse))
    asyncio.run(send_one(tracker))
    writes = [m for m in posted if m["xo"] == "set"]
    assert any(m["key"].startswith("attraqtoutbox:") for m in writes)
    assert {m["healthyUntil"] for m in writes} == {0.0}
    assert tracker._healthy_until() == 0.0


def test_an_opt_out_the_page_could_not_store_is_reported_as_consent() -> None:
    """A refused write of the opt-out flag becomes a ConsentError report; the opt-out holds."""
    posted, bridge, tracker = worker()
    tracker.init("key")
    tracker.opt_out()
    bridge.receive({"xo": "failed", "key": "attraqtoptout", "message": "QuotaExceededError"})
    [report] = [m for m in posted if m["xo"] == "report"]
    assert report["detail"]["stage"] == "consent"
    assert "QuotaExceededError" in report["detail"]["message"]
    assert tracker.is_opted_out is True


def test_other_refused_writes_are_a_warning() -> None:
    """A refused outbox write is only a console warning: the value lives on in memory."""
    posted: list[dict[str, Any]] = []
    mirror = MirrorStorage({}, posted.append)
    bridge = WorkerBridge(mirror, PageEnvironment(posted.append), posted.append)
    bridge.receive({"xo": "failed", "key": "attraqtoutbox:1", "message": "full"})
    assert [m["xo"] for m in posted] == ["warn"]
    assert "attraqtoutbox:1" in posted[0]["message"]


def test_the_pages_consent_verdict_reaches_the_worker_and_its_state_goes_back() -> None:
    """A `consent` message from the page decides for the worker's Tracker, which posts its own
    state back: pending at init in the opt-in mode (nothing written), then granted."""
    posted, bridge, tracker = worker()
    tracker.init("key", consent="required")
    assert [m for m in posted if m["xo"] == "set"] == []
    bridge.receive({"xo": "consent", "verdict": "granted"})
    assert tracker.consent == "granted"
    assert [m["state"] for m in posted if m["xo"] == "consent"] == ["pending", "granted"]
    assert [m["key"] for m in posted if m["xo"] == "set"] == ["attraqtsessionid"]


def test_a_call_that_fails_unexpectedly_is_still_answered() -> None:
    """Any exception inside a call becomes a failed answer, so the page's Promise settles."""
    posted, bridge, tracker = worker()

    def broken(_segment: str) -> None:
        raise RuntimeError("a bug")

    tracker.add_user_segment = broken  # type: ignore[method-assign,assignment]
    bridge.receive({"xo": "call", "id": 7, "name": "addUserSegment", "args": ["s"]})
    [reply] = [m for m in posted if m["xo"] == "answer"]
    assert (reply["id"], reply["ok"], reply["kind"]) == (7, False, "Error")
    assert "a bug" in reply["message"]


def test_an_answer_to_a_setter_carries_the_user_for_the_page_hand_over() -> None:
    """The page keeps the latest user, so a send it hands over is replayed with it."""
    posted, bridge, tracker = worker()
    tracker.init("key")
    bridge.receive({"xo": "call", "id": 1, "name": "addUserIdentity", "args": ["crmId", "c-1"]})
    [reply] = [m for m in posted if m["xo"] == "answer"]
    assert reply["user"]["identities"]["crmid"] == "c-1"
