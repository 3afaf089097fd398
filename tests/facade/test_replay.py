"""Replaying the calls a gone page left (``__replay``) under CPython: users, refusals, init."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.kit import World
from xo_web.facade.calls import Facade
from xo_web.facade.replay import REPLAY_NAME

PURCHASE = {"action": "purchase", "target": {"product": "p-1"}}


def replayed(record: Any) -> tuple[World, Any, list[dict[str, Any]]]:
    """Replay ``record`` on a fresh tab; return the world, the answer and what was sent."""
    world = World()

    async def go() -> Any:
        tab = world.tab()
        answer = Facade(tab).call(REPLAY_NAME, [record])
        await world.run(1.0)
        return tab, answer

    tab, answer = asyncio.run(go())
    sent = [json.loads(r.body) for r in world.collector.requests]
    return world, (tab, answer), [a for body in sent for a in body]


def test_a_replayed_send_carries_the_user_it_was_called_with() -> None:
    """Setters before a send on the gone page give that send its user; this page's stays."""
    record = {"user": None, "calls": [["addUserIdentity", "crmId", "c-1"], ["send", PURCHASE]]}
    _world, (tab, answer), sent = replayed(record)
    assert answer.ok
    assert answer.value == {"sent": 1, "refused": []}
    [activity] = sent
    assert activity["user"]["identities"] == {"sessionid": tab.session_id, "crmid": "c-1"}
    assert tab.user["identities"] == {"sessionid": tab.session_id}


def test_a_record_starts_from_the_user_the_worker_last_reported() -> None:
    """The record's user (minus its session id) is where the replayed setters start from."""
    user = {"identities": {"sessionid": "not-this-one", "crmid": "c-2"}, "segments": ["vip"]}
    record = {"user": user, "calls": [["send", PURCHASE]]}
    _world, (tab, _answer), [activity] = replayed(record)
    assert activity["user"]["identities"] == {"sessionid": tab.session_id, "crmid": "c-2"}
    assert activity["user"]["segments"] == ["vip"]


def test_init_and_consent_calls_are_never_replayed() -> None:
    """Only what the dispatcher stores is replayed: init (a URL from storage) is refused."""
    record = {
        "user": None,
        "calls": [
            ["init", {"trackerKey": "k", "collectUrl": "https://evil.example"}],
            ["optIn"],
            ["send", PURCHASE],
        ],
    }
    world, (_tab, answer), sent = replayed(record)
    assert len(answer.value["refused"]) == 2
    assert all("evil" not in r.url for r in world.collector.requests)
    assert len(sent) == 1


def test_a_tracker_not_initialized_keeps_the_record() -> None:
    """Before init the answer is an Error, which the loader takes as "keep it for later"."""
    world = World()

    async def go() -> Any:
        return Facade(world.tab(init=False)).call(REPLAY_NAME, [{"calls": []}])

    answer = asyncio.run(go())
    assert (answer.ok, answer.kind) == (False, "Error")


def test_a_malformed_record_is_a_type_error() -> None:
    """A record that is not {user, calls} is refused as a whole."""
    _world, (_tab, answer), sent = replayed(["send", PURCHASE])
    assert (answer.ok, answer.kind, sent) == (False, "TypeError", [])
