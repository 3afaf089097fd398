"""What a server-side `send` was given → validated wire activities, each with its user, as JSON.

Validation is the browser's (`xo_web.wire.parse_activities`: the same field errors). A server
keeps no session, so every activity must end up with a user whose identities hold `sessionid`:
an activity that carries its own `user` (the REST style; what the relay spools) is sent with
that user as given; `user=` applies to the activities without one. Anything else is a
ValidationError naming the field. The personal-data guard applies to both, as in the browser.

The common shapes — activities without their own `user` — take the browser's fast path
(xo_web.wire.fast: no pydantic, the C JSON encoder when every float allows it) and give the
same texts; anything else, and every error, goes through the full validation. A backend
sends with the same few users over and over, so a user that passed its checks is remembered
(at most `USER_MEMO_SIZE`, keyed by its exact value and types) and not validated again.
"""

from collections.abc import Mapping

from xo_web.core.privacy import guard_user
from xo_web.errors import ACTIVITY_FORMAT_MESSAGE, USER_FORMAT_MESSAGE, ValidationError
from xo_web.wire import (
    MAX_ACTIVITY_BYTES,
    MAX_BATCH_SIZE,
    SESSION_IDENTITY,
    check_activity_size,
    dumps,
    parse_activities,
    parse_user,
    to_wire,
    utf8_len,
)
from xo_web.wire.encoding import compact, plain_float
from xo_web.wire.fast import fast_activity

USER_MEMO_SIZE = 1024
_USER_MEMO: dict[tuple[object, bool], dict[str, object]] = {}

NO_SESSION = (
    "must hold a 'sessionid' identity: a server keeps no session, so pass the visitor's "
    "session id (the browser's attraqtsessionid) in the user"
)
NO_USER = (
    "is missing: a server-side send needs user= (or a 'user' in the activity) "
    "whose identities hold 'sessionid'"
)


def prepare_server_batch(
    activities: object, user: object = None, *, personal_data_guard: bool = True
) -> list[str]:
    """Return each activity's wire JSON text; raise ValidationError naming the bad field."""
    fast = _prepare_fast(activities, user, personal_data_guard)
    return fast if fast is not None else prepare_validated(activities, user, personal_data_guard)


def _prepare_fast(activities: object, user: object, personal_data_guard: bool) -> list[str] | None:
    """The fast path: the texts `prepare_validated` returns, or None to let it decide."""
    items = activities if type(activities) is list else [activities]
    if user is None or not 0 < len(items) <= MAX_BATCH_SIZE:
        return None
    wires: list[tuple[dict[str, object], bool]] = []
    for item in items:
        fast = fast_activity(item)  # None for an activity with its own user, or any doubt
        if fast is None:
            return None
        wires.append(fast)
    default_user = _checked_user(user, personal_data_guard)
    plain_user = all(
        type(value) is not float or plain_float(value) for value in _traits(default_user).values()
    )
    texts: list[str] = []
    for wire, plain in wires:
        wire["user"] = _copy(default_user)
        text = compact(wire) if plain and plain_user else dumps(wire)
        if utf8_len(text) > MAX_ACTIVITY_BYTES:
            return None  # the full path names the field
        texts.append(text)
    return texts


def prepare_validated(
    activities: object, user: object = None, personal_data_guard: bool = True
) -> list[str]:
    """`prepare_server_batch` through the full validation (pydantic): every shape, every error."""
    parsed = parse_activities(activities)
    default_user = _check_user(user, personal_data_guard) if user is not None else None
    single = not isinstance(activities, list)
    texts: list[str] = []
    for index, activity in enumerate(parsed):
        prefix = "" if single else f"[{index}]"
        field = f"{prefix}.user" if prefix else "user"
        wire = to_wire(activity)
        own = wire.get("user")
        if own is None:
            if default_user is None:
                raise ValidationError(field, NO_USER)
            wire["user"] = _copy(default_user)
        else:
            assert isinstance(own, dict)  # to_wire writes a User as a dict
            identities = own.get("identities")
            if not isinstance(identities, dict) or SESSION_IDENTITY not in identities:
                raise ValidationError(f"{field}.identities", NO_SESSION)
            if personal_data_guard:
                guard_user(own, field=field, prefix=ACTIVITY_FORMAT_MESSAGE)
        text = dumps(wire)
        if utf8_len(text) > MAX_ACTIVITY_BYTES:
            check_activity_size(wire, field=prefix)  # raises, naming the field
        texts.append(text)
    return texts


def _checked_user(user: object, personal_data_guard: bool) -> dict[str, object]:
    """`_check_user`, remembered for users made only of plain JSON values (never mutated)."""
    key = (_frozen(user), personal_data_guard)
    if key[0] is None:
        return _check_user(user, personal_data_guard)
    checked = _USER_MEMO.get(key)
    if checked is None:
        checked = _check_user(user, personal_data_guard)  # raises as the full path would
        if len(_USER_MEMO) >= USER_MEMO_SIZE:
            _USER_MEMO.clear()
        _USER_MEMO[key] = checked
    return checked


def _frozen(value: object) -> object:
    """A hashable copy of a plain JSON value that tells types apart (1, 1.0, True, "1"), or
    None for anything else (a subclass, a tuple, a non-string key…): then nothing is kept."""
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return (kind.__name__, value)
    if kind is float:
        return ("float", repr(value))
    if value is None:
        return ("null",)
    if kind is list:
        items = tuple(_frozen(item) for item in value)  # type: ignore[attr-defined]
        return None if None in items else ("list", items)
    if kind is dict:
        pairs = []
        for key, item in value.items():  # type: ignore[attr-defined]
            frozen = _frozen(item)
            if type(key) is not str or frozen is None:
                return None
            pairs.append((key, frozen))
        return ("dict", tuple(pairs))
    return None


def _check_user(user: object, personal_data_guard: bool) -> dict[str, object]:
    if not isinstance(user, Mapping):
        raise ValidationError(
            "user", f"must be an object, not {type(user).__name__}", prefix=USER_FORMAT_MESSAGE
        )
    wire = parse_user(dict(user)).wire()
    identities = wire.get("identities")
    if not isinstance(identities, dict) or SESSION_IDENTITY not in identities:
        raise ValidationError("user.identities", NO_SESSION, prefix=USER_FORMAT_MESSAGE)
    wire.setdefault("segments", [])
    wire.setdefault("traits", {})
    if personal_data_guard:
        guard_user(wire, field="user", prefix=USER_FORMAT_MESSAGE)
    return wire


def _traits(user: dict[str, object]) -> dict[str, object]:
    traits = user.get("traits")
    return traits if isinstance(traits, dict) else {}


def _copy(user: dict[str, object]) -> dict[str, object]:
    return {
        key: dict(value) if isinstance(value, dict) else list(value)
        if isinstance(value, list) else value
        for key, value in user.items()
    }  # fmt: skip


__all__ = ["prepare_server_batch", "prepare_validated"]
