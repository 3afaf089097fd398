"""The spool the relay uses in production: the server half's durable outbox.

This module owns `OutboxSpool`, the `Spool` behind `xo-web relay --spool DSN`: one server
`Tracker` per relayed key, over the same outbox (a SQLite file, or a PostgreSQL database that
every relay instance shares), pointed at the same pinned upstream. `record` returns once the
batch is committed; the Tracker's sender delivers it once the collector is back. Activities
keep their own `user` (the browser attached it), and the Tracker's personal-data guard is off:
the page's SDK already applied its own.
"""

from __future__ import annotations

from xo_web.server import SenderSettings, Tracker
from xo_web.server.relay.config import RelayConfig


class OutboxSpool:
    """A `Spool` over the server outbox named by `dsn`, shared by all relayed keys."""

    def __init__(
        self, dsn: str, config: RelayConfig, *, settings: SenderSettings | None = None
    ) -> None:
        self._trackers = {
            key: Tracker(
                key,
                region=config.region,
                collect_url=config.collect_url,
                outbox=dsn,
                settings=settings,
                personal_data_guard=False,
            )
            for key in config.upstreams
        }

    async def record(self, tracker_key: str, activities: list[dict[str, object]]) -> None:
        """Commit the activities to the outbox (raises OutboxError when it cannot)."""
        await self._trackers[tracker_key].asend(activities)

    async def aclose(self) -> None:
        """Stop the senders; what is undelivered stays in the outbox for the next start."""
        for tracker in self._trackers.values():
            await tracker.aclose()


__all__ = ["OutboxSpool"]
