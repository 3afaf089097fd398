"""Which queued entries may be sent now, and when the next flush should wake up.

Pure functions over the outbox index. Order is kept per tab: an entry is never sent while an
earlier entry of its tab is in flight or waits for its retry. An entry still claimed after its
lease by a page-hide request that handed it to the browser counts as delivered; an entry too
old or tried too often expires, whatever its tracker key (entries another key left behind
would otherwise hold the storage caps for ever).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from xo_web.delivery.entry import Entry
from xo_web.delivery.retry import RetryPolicy

MIN_WAKE_S = 0.05


@dataclass
class Selection:
    """The entries that may go now (in order), those handed off, and those expired."""

    ready: list[Entry] = field(default_factory=list)
    handed: list[Entry] = field(default_factory=list)
    expired: list[Entry] = field(default_factory=list)


def select(
    entries: Iterable[Entry],
    *,
    now: float,
    tracker_key: str,
    policy: RetryPolicy,
    force: bool,
    flying: Callable[[str | None], bool],
) -> Selection:
    """Sort `entries` (oldest first) into what may be sent now, what was handed off, and what
    expired; `flying` says whether a token is one of this tab's requests in flight."""
    selection = Selection()
    blocked: set[str] = set()
    for entry in entries:
        too_old = abs(now - entry.created) > policy.max_age_s
        if entry.tracker_key != tracker_key:
            if too_old and not entry.in_flight(now):
                selection.expired.append(entry)
            continue
        if entry.in_flight(now) or flying(entry.flight):
            blocked.add(entry.tab)
        elif entry.handed and entry.flight is not None:
            selection.handed.append(entry)  # its page is gone; the browser sent it
        elif entry.tab in blocked:
            continue
        elif too_old or entry.attempts >= policy.max_attempts:
            selection.expired.append(entry)
        elif not force and entry.due > now:
            blocked.add(entry.tab)
        else:
            selection.ready.append(entry)
    return selection


def next_wakeup(
    entries: Iterable[Entry],
    *,
    now: float,
    tracker_key: str,
    flying: Callable[[str | None], bool],
    max_age_s: float,
    extra: Iterable[float] = (),
    not_before: float = 0.0,
) -> float | None:
    """Return when the next flush should run (epoch seconds), or None for never.

    Another tracker key's entry wakes it only to expire it. `extra` adds wake-up instants (a
    busy lock); `not_before` is a pause's end.
    """
    wakes = list(extra)
    for entry in entries:
        if entry.tracker_key != tracker_key:
            expiry = entry.created + max_age_s
            wakes.append(max(expiry, entry.until) if entry.in_flight(now) else expiry)
            continue
        if entry.in_flight(now):
            if not flying(entry.flight):
                wakes.append(entry.until)
        else:
            wakes.append(entry.due)
    if not wakes:
        return None
    return max(min(wakes), not_before, now + MIN_WAKE_S)
