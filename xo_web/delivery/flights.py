"""The requests this tab has in flight, and the in-flight claims they hold on outbox entries.

Before an entry is sent it is claimed: marked in storage with the request's token and a lease
(the timeout plus a margin), so no other tab sends it meanwhile and a tab that dies mid-request
blocks it only until the lease ends. A claim made for a page-hide keepalive request may also
mark never-failed entries as "handed" to the browser (see xo_web.delivery.unload). `Flights`
also keeps the keepalive bytes in use, since the browser allows 64 KiB in flight per page.
"""

from dataclasses import dataclass, replace

from xo_web.core.ports import Clock, IdFactory
from xo_web.delivery.entry import Entry
from xo_web.delivery.outbox import Outbox

LEASE_MARGIN_S = 5.0


@dataclass
class Flight:
    """One request in flight: the entries it carries, whether it is keepalive, its size."""

    entries: list[Entry]
    keepalive: bool
    size: int


class Flights:
    """This tab's requests in flight, by token."""

    def __init__(self, outbox: Outbox, *, clock: Clock, new_id: IdFactory, lease_s: float) -> None:
        self._outbox = outbox
        self._clock = clock
        self._new_id = new_id
        self.lease_s = lease_s
        self._flights: dict[str, Flight] = {}
        self.keepalive_bytes = 0

    def claim(
        self, chunk: list[Entry], *, hand_off_tab: str | None = None
    ) -> tuple[str, list[Entry]]:
        """Mark `chunk` in flight under a new token; return the token and the claimed entries.

        With `hand_off_tab`, that tab's never-failed entries are also marked as handed to the
        browser (a page-hide keepalive request while the channel is healthy).
        """
        token = self._new_id()
        until = self._clock() + self.lease_s
        claimed = []
        for entry in chunk:
            handed = _may_hand_off(entry, hand_off_tab)
            marked = replace(entry, flight=token, until=until, handed=handed)
            self._outbox.save(marked)
            claimed.append(marked)
        return token, claimed

    def fly(self, token: str, entries: list[Entry], *, keepalive: bool, size: int) -> None:
        """Record a request that is leaving now."""
        self._flights[token] = Flight(entries, keepalive, size)
        if keepalive:
            self.keepalive_bytes += size

    def land(self, token: str) -> None:
        """Forget a request whose answer (or failure) arrived."""
        flight = self._flights.pop(token, None)
        if flight is not None and flight.keepalive:
            self.keepalive_bytes -= flight.size

    def holds(self, token: str | None) -> bool:
        """True when `token` is one of this tab's requests in flight."""
        return token is not None and token in self._flights

    def busy_ids(self) -> set[str]:
        """Return the ids of the entries this tab has in flight."""
        return {entry.id for flight in self._flights.values() for entry in flight.entries}

    def hand_off_keepalive(self, tab: str) -> None:
        """Mark `tab`'s never-failed entries on keepalive requests in flight as handed off."""
        for flight in self._flights.values():
            if not flight.keepalive:
                continue
            for entry in flight.entries:
                if not _may_hand_off(entry, tab):
                    continue
                current = self._outbox.get(entry.id)
                if current is not None and current.flight == entry.flight:
                    self._outbox.save(replace(current, handed=True))


def _may_hand_off(entry: Entry, tab: str | None) -> bool:
    return tab is not None and entry.tab == tab and entry.attempts == 0
