"""The user object: identities, segments, traits, the rules of the session id (docs/api.md).

`UserState` keeps exactly one `sessionid` identity at all times (its value is held apart from
the other identities, so no sequence of calls can produce two; its *position* among them follows
the JS SDK: first at start, where the caller put it, or appended), reads it from storage, replaces a
malformed stored value, and writes it only when `may_persist()` allows (not while opted out or
when tracking is refused). Every setter validates first and then applies all-or-nothing; a
rejected call changes nothing. The state holds copies, never the caller's objects.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from xo_web.core.keys import SESSION_STORAGE_KEY
from xo_web.core.ports import IdFactory, Storage
from xo_web.core.privacy import guard_user, looks_like_personal_data, personal_data_in
from xo_web.core.validation import FullValidationNeeded, HeldCalls
from xo_web.errors import USER_FORMAT_MESSAGE, ValidationError
from xo_web.wire import (
    SESSION_IDENTITY,
    Scalar,
    is_session_id,
    join_field,
    parse_identities,
    parse_segments,
    parse_text,
    parse_traits,
    parse_user,
)
from xo_web.wire.fast_user import (
    fast_identities,
    fast_segments,
    fast_text,
    fast_traits,
    fast_user,
)

USER_PARTS = ("identities", "segments", "traits")
_T = TypeVar("_T")
Held = Awaitable[None] | None
"""What a setter returns: None when it ran, or the awaitable of a held call (its error)."""


class UserApi:
    """The public user methods of a Tracker (docs/api.md), over its `_user` UserState."""

    _user: "UserState"
    _held: HeldCalls

    @property
    def user(self) -> dict[str, Any]:
        """A copy of the user: {"identities": {...}, "segments": [...], "traits": {...}}."""
        return self._user.snapshot()

    @property
    def session_id(self) -> str:
        """The session id (also `user["identities"]["sessionid"]`)."""
        return self._user.session_id

    def add_user_identity(self, repository: str, identity: str) -> Held:
        """Add or replace one identity; the repository name is case-insensitive."""
        return self._call(self._user.add_identity, "addUserIdentity", repository, identity)

    def set_user_identities(self, identities: Mapping[str, str]) -> Held:
        """Replace all identities; the session id stays unless `identities` gives one."""
        return self._call(self._user.set_identities, "setUserIdentities", identities)

    def add_user_segment(self, segment: str) -> Held:
        """Add a segment (no duplicates)."""
        return self._call(self._user.add_segment, "addUserSegment", segment)

    def set_user_segments(self, segments: Sequence[str]) -> Held:
        """Replace all segments (duplicates dropped)."""
        return self._call(self._user.set_segments, "setUserSegments", segments)

    def add_user_trait(self, key: str, value: Scalar) -> Held:
        """Add or replace one trait: a string, a finite number or a boolean."""
        return self._call(self._user.add_trait, "addUserTrait", key, value)

    def set_user_traits(self, traits: Mapping[str, Scalar]) -> Held:
        """Replace all traits."""
        return self._call(self._user.set_traits, "setUserTraits", traits)

    def set_user(self, user: Mapping[str, object]) -> Held:
        """Replace the whole user at once (identities, segments, traits, each optional)."""
        return self._call(self._user.set_user, "setUser", user)

    def clear_user(self) -> Held:
        """Empty the user and start a new session id (e.g. on logout)."""
        return self._call(self._user.clear, "clearUser")

    def _call(self, run: Callable[..., None], name: str, *args: object) -> Held:
        """Run a setter now (None), or hold it behind the calls waiting for the full
        validator (its awaitable): xo_web.core.validation."""
        result: Held = self._held.call(run, name, *args)
        return result


class UserState:
    """The visitor's user object and session id, backed by a Storage that never raises."""

    def __init__(
        self,
        storage: Storage,
        *,
        new_id: IdFactory,
        may_persist: Callable[[], bool],
        personal_data_guard: bool = True,
    ) -> None:
        self._storage = storage
        self._new_id = new_id
        self._may_persist = may_persist
        self.personal_data_guard = personal_data_guard
        self.full_ready: Callable[[], bool] = _always  # is the full validator there now?
        self._session_id: str | None = None
        # Every identity in wire order; the session id's slot holds "" (its value is
        # self._session_id), so the order matches the JS SDK's bodies byte for byte.
        self._identities: dict[str, str] = {SESSION_IDENTITY: ""}
        self._segments: list[str] = []
        self._traits: dict[str, Scalar] = {}

    @property
    def session_id(self) -> str:
        """The session id, read from storage or created on first use."""
        if self._session_id is None:
            self._session_id = self._load_session_id()
        return self._session_id

    def snapshot(self) -> dict[str, object]:
        """Return a fresh copy of the user in wire form: identities, segments, traits."""
        return {
            "identities": _with_session(self._identities, self.session_id),
            "segments": list(self._segments),
            "traits": dict(self._traits),
        }

    def persist_session(self) -> None:
        """Write the session id to storage, if persisting is allowed now."""
        session_id = self.session_id  # loading may replace a malformed stored value
        if self._may_persist():
            self._storage.set(SESSION_STORAGE_KEY, session_id)

    def restart_session(self) -> None:
        """Start a new session id in memory (stored at the next grant): after a withdrawal."""
        self._session_id = self._new_id()

    def forget_stored_session(self) -> None:
        """Remove the stored session id (the in-memory one stays for this page)."""
        self._storage.remove(SESSION_STORAGE_KEY)

    def add_identity(self, repository: str, identity: str) -> None:
        """Add or replace one identity; "sessionid" (any casing) replaces the session id."""
        _require_name(repository, "user.identities", "a repository name")
        parsed = self._check(fast_identities, parse_identities, {repository: identity})
        session_id, others = _split_session(parsed)
        identities = {**self._identities, **others}  # a known name keeps its place
        self._commit(identities, self._segments, self._traits, session_id)

    def set_identities(self, identities: Mapping[str, str]) -> None:
        """Replace all identities; the session id stays unless `identities` gives one."""
        parsed = self._check(fast_identities, parse_identities, _as_dict(identities))
        session_id, ordered = _split_session(parsed)
        self._commit(ordered, self._segments, self._traits, session_id)

    def add_segment(self, segment: str) -> None:
        """Add a segment unless already present."""
        new = self._check(fast_text, _segment, segment)
        self._commit(self._identities, _unique([*self._segments, new]), self._traits, None)

    def set_segments(self, segments: Sequence[str]) -> None:
        """Replace all segments; duplicates are dropped, first occurrence wins."""
        parsed = self._check(fast_segments, parse_segments, _as_list(segments))
        self._commit(self._identities, _unique(parsed), self._traits, None)

    def add_trait(self, key: str, value: Scalar) -> None:
        """Add or replace one trait (string, finite number or boolean)."""
        _require_name(key, "user.traits", "a trait name")
        parsed = self._check(fast_traits, parse_traits, {key: value})
        self._commit(self._identities, self._segments, {**self._traits, **parsed}, None)

    def set_traits(self, traits: Mapping[str, Scalar]) -> None:
        """Replace all traits."""
        parsed = self._check(fast_traits, parse_traits, _as_dict(traits))
        self._commit(self._identities, self._segments, parsed, None)

    def set_user(self, user: Mapping[str, object]) -> None:
        """Replace the whole user; a missing part becomes empty, the session id stays."""
        if not isinstance(user, Mapping):
            raise ValidationError(
                "user", f"must be an object, not {type(user).__name__}", prefix=USER_FORMAT_MESSAGE
            )
        data = dict(user)
        for key in data:
            if key not in USER_PARTS:
                raise ValidationError(
                    join_field("user", key) if isinstance(key, str) else "user",
                    f"is not a user field (use {', '.join(USER_PARTS)})",
                    prefix=USER_FORMAT_MESSAGE,
                )
        identities = self._check(
            fast_identities, parse_identities, _as_dict(data.get("identities", {}))
        )
        segments = self._check(fast_segments, parse_segments, _as_list(data.get("segments", [])))
        traits = self._check(fast_traits, parse_traits, _as_dict(data.get("traits", {})))
        session_id, ordered = _split_session(identities)
        self._commit(ordered, _unique(segments), traits, session_id)

    def drop_personal_data(self) -> list[str]:
        """Remove the segments and traits the guard refuses (set while it was off); return
        the fields removed."""
        found = [path for path, _ in personal_data_in(self.snapshot(), "user")]
        if found:
            self._segments = [s for s in self._segments if looks_like_personal_data(s) is None]
            self._traits = {
                k: v for k, v in self._traits.items() if looks_like_personal_data(v) is None
            }
        return found

    def clear(self) -> None:
        """Empty identities, segments and traits, and start a new stored session id."""
        self._identities, self._segments, self._traits = {SESSION_IDENTITY: ""}, [], {}
        self._storage.remove(SESSION_STORAGE_KEY)
        self._session_id = self._new_id()
        self.persist_session()

    def _commit(
        self,
        identities: dict[str, str],
        segments: list[str],
        traits: dict[str, Scalar],
        session_id: str | None,
    ) -> None:
        """Check the candidate user as a whole, then apply it; nothing changes on error."""
        if self.personal_data_guard:
            guarded = {"segments": segments, "traits": traits}
            guard_user(guarded, field="user", prefix=USER_FORMAT_MESSAGE)
        candidate_session = session_id if session_id is not None else self.session_id
        # Re-validating the whole candidate enforces the count and size limits after an add.
        candidate = {
            "identities": _with_session(identities, candidate_session),
            "segments": segments,
            "traits": traits,
        }
        if not fast_user(candidate):
            self._check(lambda _: None, parse_user, candidate)
        self._identities = dict(identities)
        self._segments = list(segments)
        self._traits = dict(traits)
        if session_id is not None:
            self._session_id = session_id
            self.persist_session()

    def _check(
        self, fast: Callable[[object], _T | None], full: Callable[[Any], _T], value: object
    ) -> _T:
        """The fast path's answer, else the full validator's (FullValidationNeeded when it
        is not there yet: the Tracker holds the call)."""
        result = fast(value)
        if result is not None:
            return result
        if not self.full_ready():
            raise FullValidationNeeded
        return full(value)

    def _load_session_id(self) -> str:
        stored = self._storage.get(SESSION_STORAGE_KEY)
        if stored is not None and is_session_id(stored):
            return stored
        if stored is not None:
            self._storage.remove(SESSION_STORAGE_KEY)
        session_id = self._new_id()
        if self._may_persist():
            self._storage.set(SESSION_STORAGE_KEY, session_id)
        return session_id


def _always() -> bool:
    return True


def _segment(value: object) -> str:
    return parse_text(value, field="user.segments")


def _require_name(name: object, field: str, what: str) -> None:
    """Refuse a key that is not a string before it reaches a mapping's validation."""
    if not isinstance(name, str):
        raise ValidationError(
            field, f"{what} must be a string, not {type(name).__name__}", prefix=USER_FORMAT_MESSAGE
        )


def _split_session(identities: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """Return the given session id (or None) and the identities with its slot kept in place.

    Without a session id in `identities` its slot goes last, as the JS SDK appends it.
    """
    ordered = {name: ("" if name == SESSION_IDENTITY else v) for name, v in identities.items()}
    ordered.setdefault(SESSION_IDENTITY, "")
    return identities.get(SESSION_IDENTITY), ordered


def _with_session(identities: dict[str, str], session_id: str) -> dict[str, str]:
    return {name: (session_id if name == SESSION_IDENTITY else v) for name, v in identities.items()}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _as_dict(value: object) -> object:
    """Accept any Mapping as a dict (copied); other values go on to fail validation."""
    if isinstance(value, Mapping) and not isinstance(value, dict):
        return dict(value)
    return value


def _as_list(value: object) -> object:
    """Accept a tuple as a list; other values go on to fail validation."""
    return list(value) if isinstance(value, tuple) else value
