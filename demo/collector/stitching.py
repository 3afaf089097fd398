"""Identity stitching rules: which profile each stored activity belongs to.

This module owns the rules, as pure functions over a full list of rows (the reference the
incremental, SQL-backed profiles of :mod:`demo.collector.profiles` are tested against), as
Attraqt XO describes profiles:

* Profiles are scoped by tracker key (two sites never share a profile).
* The first activity of a session that carries both a ``sessionid`` and an ``ecommerceid``
  links that session to that customer: every activity of the session, the earlier anonymous
  ones included, belongs to the customer's profile (``ecommerceid`` profile).
* A session for which no e-commerce id was ever seen is an anonymous profile of its own
  (``sessionid`` profile).
* After a logout the site starts a new session id without an e-commerce id; that session is
  a separate anonymous profile until one of its activities carries the e-commerce id again
  (a new login), which then attributes the whole new session to the customer.
* An activity that carries an e-commerce id explicitly always belongs to that customer, even
  if its session was first linked to another one (account switch without a new session).
* An activity with neither identity (not something the SDK sends) is a profile of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ProfileKind = Literal["ecommerceid", "sessionid", "activity"]
ProfileKey = tuple[str, ProfileKind, str]  # (tracker_key, kind, value)


@dataclass(frozen=True)
class ActivityRow:
    """One stored activity: its row id, when and for which tracker it came, its wire JSON."""

    id: int
    received_at: str
    tracker_key: str
    wire: Mapping[str, Any]
    sessionid: str | None = None
    ecommerceid: str | None = None
    via: str | None = None


@dataclass
class Profile:
    """A stitched profile: its identities, sessions and activities."""

    profile_id: str
    tracker_key: str
    kind: ProfileKind
    ecommerce_id: str | None
    identities: dict[str, str] = field(default_factory=dict)
    session_ids: list[str] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    traits: dict[str, Any] = field(default_factory=dict)
    first_seen: str = ""
    last_seen: str = ""

    @property
    def anonymous(self) -> bool:
        """True when no e-commerce id is known for this profile."""
        return self.ecommerce_id is None

    def to_json(self) -> dict[str, Any]:
        """The profile as the ``/api/profiles`` JSON object."""
        return {
            "profileId": self.profile_id,
            "trackerKey": self.tracker_key,
            "anonymous": self.anonymous,
            "ecommerceId": self.ecommerce_id,
            "identities": dict(self.identities),
            "sessionIds": list(self.session_ids),
            "activityIds": list(self.activity_ids),
            "activities": len(self.activity_ids),
            "segments": list(self.segments),
            "traits": dict(self.traits),
            "firstSeen": self.first_seen,
            "lastSeen": self.last_seen,
        }


def identities_of(wire: Mapping[str, Any]) -> dict[str, str]:
    """Return the activity's user identities with lower-cased repository names."""
    user = wire.get("user")
    if not isinstance(user, Mapping):
        return {}
    identities = user.get("identities")
    if not isinstance(identities, Mapping):
        return {}
    return {
        str(repo).lower(): value
        for repo, value in identities.items()
        if isinstance(value, str) and value
    }


def profile_id(key: ProfileKey) -> str:
    """The readable, stable id of a profile key, e.g. ``demo:ecommerceid:cust-42``."""
    tracker_key, kind, value = key
    return f"{tracker_key}:{kind}:{value}"


def session_links(rows: Iterable[ActivityRow]) -> dict[tuple[str, str], str]:
    """Map ``(tracker_key, sessionid)`` to the e-commerce id that session was first linked to.

    Rows are taken in id order (the order the collector received them).
    """
    links: dict[tuple[str, str], str] = {}
    for row in sorted(rows, key=lambda r: r.id):
        if row.sessionid and row.ecommerceid:
            links.setdefault((row.tracker_key, row.sessionid), row.ecommerceid)
    return links


def profile_key(row: ActivityRow, links: Mapping[tuple[str, str], str]) -> ProfileKey:
    """The profile a row belongs to, given the session links of all rows."""
    if row.ecommerceid:
        return (row.tracker_key, "ecommerceid", row.ecommerceid)
    if row.sessionid:
        linked = links.get((row.tracker_key, row.sessionid))
        if linked is not None:
            return (row.tracker_key, "ecommerceid", linked)
        return (row.tracker_key, "sessionid", row.sessionid)
    return (row.tracker_key, "activity", str(row.id))


def assign(rows: Iterable[ActivityRow]) -> dict[int, str]:
    """Map each row id to the id of the profile it is attributed to."""
    ordered = sorted(rows, key=lambda r: r.id)
    links = session_links(ordered)
    return {row.id: profile_id(profile_key(row, links)) for row in ordered}


def stitch(rows: Iterable[ActivityRow]) -> list[Profile]:
    """Group rows into profiles, ordered by each profile's first activity.

    A profile's ``identities`` are the latest value seen for each repository (so its
    ``sessionid`` is the most recent session's), ``session_ids`` all its sessions in order of
    first appearance, ``segments`` the union of the segments sent, ``traits`` the latest value
    of each trait.
    """
    ordered = sorted(rows, key=lambda r: r.id)
    links = session_links(ordered)
    profiles: dict[ProfileKey, Profile] = {}
    for row in ordered:
        key = profile_key(row, links)
        profile = profiles.get(key)
        if profile is None:
            tracker_key, kind, value = key
            profile = Profile(
                profile_id=profile_id(key),
                tracker_key=tracker_key,
                kind=kind,
                ecommerce_id=value if kind == "ecommerceid" else None,
                first_seen=row.received_at,
            )
            profiles[key] = profile
        _absorb(profile, row)
    return list(profiles.values())


def profiles_of(rows: Iterable[ActivityRow], activity_ids: Iterable[int]) -> list[Profile]:
    """The stitched profiles (over all ``rows``) that the given activities belong to."""
    wanted = set(activity_ids)
    return [p for p in stitch(rows) if wanted.intersection(p.activity_ids)]


def _absorb(profile: Profile, row: ActivityRow) -> None:
    profile.activity_ids.append(row.id)
    profile.last_seen = row.received_at
    if row.sessionid and row.sessionid not in profile.session_ids:
        profile.session_ids.append(row.sessionid)
    if profile.ecommerce_id is not None:
        profile.identities["ecommerceid"] = profile.ecommerce_id
    user = row.wire.get("user")
    if not isinstance(user, Mapping):
        return
    identities = user.get("identities")
    if isinstance(identities, Mapping):
        for repo, value in identities.items():
            repo = str(repo).lower()
            if not isinstance(value, str) or not value:
                continue
            # An activity that only joined through its session must not rename the customer.
            if repo == "ecommerceid" and profile.ecommerce_id is not None:
                continue
            profile.identities[repo] = value
    segments = user.get("segments")
    if isinstance(segments, list):
        for segment in segments:
            if isinstance(segment, str) and segment not in profile.segments:
                profile.segments.append(segment)
    traits = user.get("traits")
    if isinstance(traits, Mapping):
        profile.traits.update({str(k): v for k, v in traits.items()})
