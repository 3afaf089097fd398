"""Replaying the calls a gone page left behind (``attraqtpending:*``), each send with its user.

A page that goes before the SDK is ready (or, in worker mode, before its worker took its
calls) leaves them in storage; the next page's ``xo.js`` hands each record to the dispatcher
under the name ``__replay``. A record is ``{"user": <the user the gone page's worker last
reported, or null>, "calls": [[name, ...args], ...], "tries": n}``, read from storage, so
untrusted: only what the dispatcher itself stores is replayed — the user setters and sends —
never ``init`` (nothing read from storage is used as a URL) nor a consent call (those are
written at once). The setters apply to a scratch user that starts from the record's user, so
each replayed send carries the user it was called with while this page's own user stays as it
is; the session id is always this page's stored one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xo_web.core.keys import SESSION_STORAGE_KEY
from xo_web.core.storage import MemoryStorage
from xo_web.core.user import UserState
from xo_web.core.validation import REPLAY_NAME as REPLAY_NAME
from xo_web.core.validation import FullValidationNeeded
from xo_web.errors import NotInitializedError, XoError
from xo_web.tracker import Tracker
from xo_web.wire import SESSION_IDENTITY

MAX_REPLAYED_CALLS = 1000

# JS name -> the scratch UserState's method; "send" is handled apart.
_SETTERS = {
    "addUserIdentity": "add_identity",
    "setUserIdentities": "set_identities",
    "addUserSegment": "add_segment",
    "setUserSegments": "set_segments",
    "addUserTrait": "add_trait",
    "setUserTraits": "set_traits",
    "setUser": "set_user",
    "clearUser": "clear",
}
REPLAYABLE = frozenset({*_SETTERS, "send"})


def replay(tracker: Tracker, record: object) -> Any:
    """Replay one record on ``tracker``; return ``{"sent": n, "refused": [messages]}``, or
    an awaitable of it when the replay waits for the full validator (each replayed send
    carries its user, a shape the fast path leaves to it) behind the calls held for it.

    Raises NotInitializedError (the record is then kept for a later page) and TypeError for
    a record that is not one.
    """
    if not tracker.is_initialized:
        raise NotInitializedError("init() has not run: the calls are kept for a later page")
    if not isinstance(record, Mapping) or not isinstance(record.get("calls"), list):
        raise TypeError("a replayed record must be {user, calls}")
    return tracker._held.call(_replay_now, REPLAY_NAME, tracker, record)


def _replay_now(tracker: Tracker, record: Mapping[str, Any]) -> dict[str, Any]:
    if not tracker._held.validation.ready():
        raise FullValidationNeeded
    session = tracker.session_id
    storage = MemoryStorage()
    storage.set(SESSION_STORAGE_KEY, session)
    user = UserState(storage, new_id=lambda: session, may_persist=lambda: False)
    refused: list[str] = []
    start = record.get("user")
    if isinstance(start, Mapping):
        _apply(user, "setUser", [_without_session(start)], refused)
    sent = 0
    for call in record["calls"][:MAX_REPLAYED_CALLS]:
        if not isinstance(call, list) or not call or call[0] not in REPLAYABLE:
            refused.append(f"a replayed call was not one the SDK stores: {str(call)[:80]}")
            continue
        name, args = call[0], call[1:]
        if name != "send":
            _apply(user, name, args, refused)
            continue
        try:
            tracker.send(_with_user(args[0] if args else None, user.snapshot()))
            sent += 1
        except (XoError, TypeError, ValueError) as error:
            refused.append(f"a replayed send was refused: {error}")
    return {"sent": sent, "refused": refused}


def _apply(user: UserState, name: str, args: list[object], refused: list[str]) -> None:
    try:
        getattr(user, _SETTERS[name])(*args)
    except (XoError, TypeError, ValueError) as error:
        refused.append(f"a replayed {name} was refused: {error}")


def _without_session(user: Mapping[str, object]) -> dict[str, object]:
    """The record's user without its session id (this page's stored one is used)."""
    data = dict(user)
    identities = data.get("identities")
    if isinstance(identities, Mapping):
        data["identities"] = {
            k: v for k, v in identities.items() if str(k).lower() != SESSION_IDENTITY
        }
    return data


def _with_user(activities: object, user: dict[str, object]) -> Any:
    """Give each activity that has no user of its own the replayed user (REST style)."""
    if isinstance(activities, Mapping):
        return activities if "user" in activities else {**activities, "user": user}
    if isinstance(activities, list):
        return [_with_user(a, user) if isinstance(a, Mapping) else a for a in activities]
    return activities
