"""Incremental identity stitching: the profiles kept in SQLite, updated batch by batch.

This module owns the ``profiles`` and ``session_links`` tables and the ``profile_id`` column of
``activities``. A batch touches only the profiles its own rows belong to, through indexed
lookups, so the cost of a POST does not grow with the table (nor with the size of a profile):

* each profile's state (identities, sessions, segments, traits, first/last seen) is stored
  with the row id at which every value was set, so absorbing a row is a constant-time fold
  and merging two profiles (an anonymous session whose first login arrives) is exact;
* the first e-commerce id seen with a session is recorded once in ``session_links``; the
  session's anonymous profile is then merged into the customer's, once per session.

The result is what :func:`demo.collector.stitching.stitch` computes over all rows (tests
check it), except after the retention cap removed rows: a profile keeps what it learned from
removed rows, and a session link stays while any row of that session is left.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from demo.collector.stitching import (
    ActivityRow,
    Profile,
    ProfileKey,
    ProfileKind,
    identities_of,
    profile_id,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS session_links (
    tracker_key TEXT NOT NULL,
    sessionid   TEXT NOT NULL,
    ecommerceid TEXT NOT NULL,
    PRIMARY KEY (tracker_key, sessionid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS profiles (
    profile_id  TEXT PRIMARY KEY,
    tracker_key TEXT NOT NULL,
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    state       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS activities_profile ON activities (profile_id, id);
"""


@dataclass
class ProfileState:
    """A profile as a fold of its rows, each value tagged with the id of the row that set it."""

    profile_id: str
    tracker_key: str
    kind: ProfileKind
    value: str
    first: tuple[int, str] = (0, "")  # (row id, received_at) of the first row
    last: tuple[int, str] = (0, "")
    identities: dict[str, tuple[str, int]] = field(default_factory=dict)  # latest wins
    sessions: dict[str, int] = field(default_factory=dict)  # first appearance
    segments: dict[str, tuple[int, int]] = field(default_factory=dict)  # (row id, position)
    traits: dict[str, tuple[Any, int]] = field(default_factory=dict)  # latest wins

    def absorb(self, row: ActivityRow) -> None:
        """Fold one row (newer than every row absorbed so far) into the state."""
        if not self.first[0]:
            self.first = (row.id, row.received_at)
        self.last = (row.id, row.received_at)
        if row.sessionid:
            self.sessions.setdefault(row.sessionid, row.id)
        user = row.wire.get("user")
        if not isinstance(user, Mapping):
            return
        for repo, value in identities_of(row.wire).items():
            # An activity that only joined through its session must not rename the customer.
            if not (repo == "ecommerceid" and self.kind == "ecommerceid"):
                self.identities[repo] = (value, row.id)
        segments = user.get("segments")
        if isinstance(segments, list):
            for position, segment in enumerate(segments):
                if isinstance(segment, str):
                    self.segments.setdefault(segment, (row.id, position))
        traits = user.get("traits")
        if isinstance(traits, Mapping):
            for key, value in traits.items():
                self.traits[str(key)] = (value, row.id)

    def merge(self, other: ProfileState) -> None:
        """Take in another profile's rows (any ids), as if they had been absorbed in order."""
        if other.first[0] and (not self.first[0] or other.first[0] < self.first[0]):
            self.first = other.first
        self.last = max(self.last, other.last)
        for repo, (value, row_id) in other.identities.items():
            if repo == "ecommerceid" and self.kind == "ecommerceid":
                continue
            if repo not in self.identities or self.identities[repo][1] < row_id:
                self.identities[repo] = (value, row_id)
        for name, row_id in other.sessions.items():
            self.sessions[name] = min(row_id, self.sessions.get(name, row_id))
        for name, first in other.segments.items():
            self.segments[name] = min(first, self.segments.get(name, first))
        for key, (value, row_id) in other.traits.items():
            if key not in self.traits or self.traits[key][1] < row_id:
                self.traits[key] = (value, row_id)

    def to_profile(self, activity_ids: list[int]) -> Profile:
        """The profile as :mod:`demo.collector.stitching` presents it."""
        ecommerce_id = self.value if self.kind == "ecommerceid" else None
        identities = {} if ecommerce_id is None else {"ecommerceid": ecommerce_id}
        for repo, (value, _) in sorted(self.identities.items(), key=lambda item: item[1][1]):
            identities[repo] = value
        return Profile(
            profile_id=self.profile_id,
            tracker_key=self.tracker_key,
            kind=self.kind,
            ecommerce_id=ecommerce_id,
            identities=identities,
            session_ids=_in_order(self.sessions),
            activity_ids=activity_ids,
            segments=_in_order(self.segments),
            traits={key: value for key, (value, _) in self.traits.items()},
            first_seen=self.first[1],
            last_seen=self.last[1],
        )

    def dumps(self) -> str:
        """The state as stored in ``profiles.state``."""
        return json.dumps(
            [self.first, self.last, self.identities, self.sessions, self.segments, self.traits],
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, key: ProfileKey, text: str) -> ProfileState:
        """The state read back from ``profiles.state``."""
        first, last, identities, sessions, segments, traits = json.loads(text)
        return cls(
            profile_id(key),
            *key,
            first=(first[0], first[1]),
            last=(last[0], last[1]),
            identities={k: (v[0], v[1]) for k, v in identities.items()},
            sessions=sessions,
            segments={k: (v[0], v[1]) for k, v in segments.items()},
            traits={k: (v[0], v[1]) for k, v in traits.items()},
        )


def _in_order(first_ids: Mapping[str, Any]) -> list[str]:
    return sorted(first_ids, key=lambda name: first_ids[name])


class BatchStitcher:
    """Stitch the rows of one batch inside the store's write transaction (``conn``).

    Call :meth:`assign` before inserting a row (it returns the row's profile key, or None when
    the row has no identity), :meth:`absorb` after, and :meth:`flush` once at the end.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.states: dict[str, ProfileState | None] = {}  # None: known not to exist
        self.links: dict[tuple[str, str], str | None] = {}
        self.dropped: set[str] = set()
        self.merged: dict[str, str] = {}  # anonymous profile id -> the customer's it joined

    def assign(
        self, tracker_key: str, sessionid: str | None, ecommerceid: str | None
    ) -> ProfileKey | None:
        """The profile a new row belongs to (None when it has no identity: its own profile).

        A session's first login links it and merges its anonymous profile into the customer's.
        """
        if ecommerceid:
            target: ProfileKey = (tracker_key, "ecommerceid", ecommerceid)
            if sessionid and self._link(tracker_key, sessionid) is None:
                self.conn.execute(
                    "INSERT INTO session_links (tracker_key, sessionid, ecommerceid)"
                    " VALUES (?, ?, ?)",
                    (tracker_key, sessionid, ecommerceid),
                )
                self.links[(tracker_key, sessionid)] = ecommerceid
                self._merge((tracker_key, "sessionid", sessionid), target)
            return target
        if sessionid:
            linked = self._link(tracker_key, sessionid)
            if linked is not None:
                return (tracker_key, "ecommerceid", linked)
            return (tracker_key, "sessionid", sessionid)
        return None

    def absorb(self, key: ProfileKey, row: ActivityRow) -> None:
        """Fold the inserted row into its profile."""
        state = self._state(key, create=True)
        assert state is not None
        state.absorb(row)

    def final(self, pid: str) -> str:
        """The profile a row of this batch ended in (its session may have logged in since)."""
        return self.merged.get(pid, pid)

    def flush(self) -> None:
        """Write the touched profiles back."""
        for pid in self.dropped:
            self.conn.execute("DELETE FROM profiles WHERE profile_id = ?", (pid,))
        self.conn.executemany(
            "INSERT OR REPLACE INTO profiles (profile_id, tracker_key, kind, value, state)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (s.profile_id, s.tracker_key, s.kind, s.value, s.dumps())
                for s in self.states.values()
                if s is not None
            ],
        )

    def _link(self, tracker_key: str, sessionid: str) -> str | None:
        key = (tracker_key, sessionid)
        if key not in self.links:
            found = self.conn.execute(
                "SELECT ecommerceid FROM session_links WHERE tracker_key = ? AND sessionid = ?",
                key,
            ).fetchone()
            self.links[key] = None if found is None else str(found[0])
        return self.links[key]

    def _state(self, key: ProfileKey, *, create: bool = False) -> ProfileState | None:
        pid = profile_id(key)
        if pid not in self.states:
            found = self.conn.execute("SELECT state FROM profiles WHERE profile_id = ?", (pid,))
            text = found.fetchone()
            self.states[pid] = None if text is None else ProfileState.loads(key, str(text[0]))
        state = self.states[pid]
        if state is None and create:
            state = self.states[pid] = ProfileState(pid, *key)
            self.dropped.discard(pid)
        return state

    def _merge(self, source: ProfileKey, target: ProfileKey) -> None:
        anonymous = self._state(source)
        if anonymous is None:
            return
        self.conn.execute(
            "UPDATE activities SET profile_id = ? WHERE profile_id = ?",
            (profile_id(target), anonymous.profile_id),
        )
        customer = self._state(target, create=True)
        assert customer is not None
        customer.merge(anonymous)
        self.states[anonymous.profile_id] = None
        self.dropped.add(anonymous.profile_id)
        self.merged[anonymous.profile_id] = customer.profile_id


def forget(conn: sqlite3.Connection, removed: Iterable[tuple[str, str, str | None]]) -> None:
    """After rows were deleted: drop the profiles and session links that have no row left."""
    for pid, tracker_key, sessionid in set(removed):
        conn.execute(
            "DELETE FROM profiles WHERE profile_id = ?"
            " AND NOT EXISTS (SELECT 1 FROM activities WHERE profile_id = ?)",
            (pid, pid),
        )
        if sessionid:
            conn.execute(
                "DELETE FROM session_links WHERE tracker_key = ? AND sessionid = ?"
                " AND NOT EXISTS"
                " (SELECT 1 FROM activities WHERE tracker_key = ? AND sessionid = ?)",
                (tracker_key, sessionid, tracker_key, sessionid),
            )


def answer(rows: Iterable[ActivityRow], assigned: Mapping[int, str]) -> dict[str, Any]:
    """The collect response's ``profiles``: per profile, only what this request itself sent.

    Identities and session ids come from the request's activities alone, and ``activities``
    counts them, so naming someone's e-commerce id never reveals their other sessions.
    """
    profiles: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = profiles.setdefault(
            assigned[row.id], {"identities": {}, "sessionIds": [], "activities": 0}
        )
        entry["activities"] += 1
        entry["identities"].update(identities_of(row.wire))
        if row.sessionid and row.sessionid not in entry["sessionIds"]:
            entry["sessionIds"].append(row.sessionid)
    return profiles


def list_profiles(conn: sqlite3.Connection) -> list[Profile]:
    """Every profile with its stored activity ids, ordered by each profile's first activity."""
    activity_ids: dict[str, list[int]] = {}
    for pid, row_id in conn.execute("SELECT profile_id, id FROM activities ORDER BY id"):
        activity_ids.setdefault(str(pid), []).append(int(row_id))
    states = [
        ProfileState.loads((tracker_key, kind, value), text)
        for tracker_key, kind, value, text in conn.execute(
            "SELECT tracker_key, kind, value, state FROM profiles"
        )
    ]
    states.sort(key=lambda state: state.first[0])
    return [state.to_profile(activity_ids.get(state.profile_id, [])) for state in states]
