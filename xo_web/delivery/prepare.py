"""Turning what `send` was given into the wire batch: validated, with the user, encoded once.

Each activity is validated (a ValidationError names the field, "[i]." prefixed in a list),
gets the current user attached — or keeps the caller's own `user` (the REST style), which gets
the session id when it lacks one and passes the personal-data guard — and is JSON-encoded once:
the size check, the outbox entry and the request body all reuse that text.

The common shapes take a fast path (xo_web.wire.fast: no pydantic, the C JSON encoder when
every float allows it); anything else, and every error, goes through `prepare_validated`.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xo_web.core.privacy import guard_user, personal_data_in
from xo_web.core.user import UserState
from xo_web.core.validation import FullValidationNeeded
from xo_web.delivery.entry import encode_activity
from xo_web.errors import ACTIVITY_FORMAT_MESSAGE
from xo_web.wire import (
    MAX_ACTIVITY_BYTES,
    MAX_BATCH_SIZE,
    SESSION_IDENTITY,
    check_activity_size,
    dumps,
    parse_activities,
    to_wire,
    utf8_len,
)
from xo_web.wire.encoding import compact, plain_float
from xo_web.wire.fast import fast_activity
from xo_web.wire.fast_user import fast_user

if TYPE_CHECKING:  # the models (pydantic) load on first use, not at boot
    from xo_web.wire.models import Activity

Batch = list[dict[str, object]]
Encoded = list[tuple[str, int]]


def prepare_batch(
    activities: object, user: UserState, full_ready: Callable[[], bool] = lambda: True
) -> tuple[Batch, Encoded]:
    """Return the wire batch and each activity's JSON text and UTF-8 size (no I/O); raise
    FullValidationNeeded when the fast path declines and the full validator is not ready."""
    fast = _prepare_fast(activities, user)
    if fast is not None:
        return fast
    if not full_ready():  # asked only when the fast path declines (in the browser: a lookup)
        raise FullValidationNeeded
    return prepare_validated(activities, user)


def _prepare_fast(activities: object, user: UserState) -> tuple[Batch, Encoded] | None:
    """The fast path: the same batch and texts as `prepare_validated`, or None to use it."""
    items = activities if type(activities) is list else [activities]
    if not 0 < len(items) <= MAX_BATCH_SIZE:
        return None
    batch: Batch = []
    encoded: Encoded = []
    for item in items:
        own = item.get("user") if type(item) is dict else None
        fast = fast_activity(item if own is None else _without_user(item))
        if fast is None:
            return None
        wire, plain = fast
        snapshot = user.snapshot() if own is None else _own_user(own, user)
        if snapshot is None:
            return None
        wire["user"] = snapshot
        if own is not None:  # the caller's user keeps its place among the keys
            assert isinstance(item, dict)
            wire = {key: wire[key] for key in item}
        traits = snapshot["traits"]
        assert isinstance(traits, dict)
        for value in traits.values():
            if type(value) is float and not plain_float(value):
                plain = False
        text = compact(wire) if plain else dumps(wire)
        size = len(text) if text.isascii() else utf8_len(text)
        if size > MAX_ACTIVITY_BYTES:
            return None  # the full path names the field
        batch.append(wire)
        encoded.append((text, size))
    return batch, encoded


def _without_user(item: Any) -> dict[object, object]:
    return {key: value for key, value in item.items() if key != "user"}


def _own_user(own: object, user: UserState) -> dict[str, object] | None:
    """A caller's own user (the REST style, a replayed send) as the full path makes it, for
    the shape the SDK writes (xo_web.wire.fast_user); None when the full path must decide
    (an error, or a value the personal-data guard refuses, is worded there)."""
    if not fast_user(own):
        return None
    assert isinstance(own, dict)
    identities = dict(own["identities"])
    if SESSION_IDENTITY not in identities:
        identities = {SESSION_IDENTITY: user.session_id, **identities}
    copy: dict[str, object] = {"identities": identities, "segments": list(own["segments"])}
    copy["traits"] = dict(own["traits"])
    if user.personal_data_guard and next(personal_data_in(copy, "user"), None) is not None:
        return None
    return copy


def prepare_validated(activities: object, user: UserState) -> tuple[Batch, Encoded]:
    """`prepare_batch` through the full validation (pydantic): every shape, every error."""
    parsed = parse_activities(activities)
    single = not isinstance(activities, list)
    batch: Batch = []
    encoded: Encoded = []
    for index, activity in enumerate(parsed):
        prefix = "" if single else f"[{index}]"
        wire = _with_user(activity, user, prefix)
        text, size = encode_activity(wire)
        if size > MAX_ACTIVITY_BYTES:
            check_activity_size(wire, field=prefix)  # raises, naming the field
        batch.append(wire)
        encoded.append((text, size))
    return batch, encoded


def _with_user(activity: "Activity", user: UserState, prefix: str) -> dict[str, object]:
    wire = to_wire(activity)
    if activity.user is None:
        wire["user"] = user.snapshot()
        return wire
    own = wire["user"]
    assert isinstance(own, dict)  # to_wire writes a User as a dict
    if user.personal_data_guard:
        field = f"{prefix}.user" if prefix else "user"
        guard_user(own, field=field, prefix=ACTIVITY_FORMAT_MESSAGE)
    identities = own.get("identities")
    assert isinstance(identities, dict)
    if SESSION_IDENTITY not in identities:
        own["identities"] = {SESSION_IDENTITY: user.session_id, **identities}
    return wire
