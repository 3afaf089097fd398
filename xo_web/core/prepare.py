"""Turning what `send` was given into the wire batch: validated, with the user, encoded once.

Each activity is validated (a ValidationError names the field, "[i]." prefixed in a list),
gets the current user attached — or keeps the caller's own `user` (the REST style), which gets
the session id when it lacks one and passes the personal-data guard — and is JSON-encoded once:
the size check, the outbox entry and the request body all reuse that text.
"""

from xo_web.core.privacy import guard_user
from xo_web.core.user import UserState
from xo_web.delivery.entry import encode_activity
from xo_web.errors import ACTIVITY_FORMAT_MESSAGE
from xo_web.wire import (
    MAX_ACTIVITY_BYTES,
    SESSION_IDENTITY,
    Activity,
    check_activity_size,
    parse_activities,
    to_wire,
)

Batch = list[dict[str, object]]
Encoded = list[tuple[str, int]]


def prepare_batch(activities: object, user: UserState) -> tuple[Batch, Encoded]:
    """Return the wire batch and each activity's JSON text and UTF-8 size (no I/O)."""
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


def _with_user(activity: Activity, user: UserState, prefix: str) -> dict[str, object]:
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
