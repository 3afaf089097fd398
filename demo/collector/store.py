"""SQLite persistence for the demo collector (stdlib sqlite3, one file under data_dir).

Every call opens its own short-lived connection, so the store is safe to use from the
threads Starlette runs blocking work in, and from several app instances over one file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demo.collector.stitching import ActivityRow

DB_FILENAME = "collector.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS activities (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT    NOT NULL,
    tracker_key TEXT    NOT NULL,
    wire        TEXT    NOT NULL,
    sessionid   TEXT,
    ecommerceid TEXT
);
CREATE INDEX IF NOT EXISTS activities_sessionid ON activities (tracker_key, sessionid);
CREATE INDEX IF NOT EXISTS activities_ecommerceid ON activities (tracker_key, ecommerceid);
"""


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


def utc_now() -> str:
    """Return the current UTC time as an ISO 8601 string with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ActivityStore:
    """Append-only activity log in ``<data_dir>/collector.sqlite3``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DB_FILENAME
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=5.0)
        try:
            with conn:  # commits on success, rolls back on error
                yield conn
        finally:
            conn.close()

    def add(self, tracker_key: str, wires: Sequence[Mapping[str, Any]]) -> list[ActivityRow]:
        """Store a batch atomically (all or nothing) and return the stored rows."""
        received_at = utc_now()
        rows: list[ActivityRow] = []
        with self._connect() as conn:
            for wire in wires:
                text = json.dumps(wire, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
                identities = identities_of(wire)
                sessionid = identities.get("sessionid")
                ecommerceid = identities.get("ecommerceid")
                cursor = conn.execute(
                    "INSERT INTO activities"
                    " (received_at, tracker_key, wire, sessionid, ecommerceid)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (received_at, tracker_key, text, sessionid, ecommerceid),
                )
                row_id = cursor.lastrowid
                assert row_id is not None
                rows.append(
                    ActivityRow(
                        id=row_id,
                        received_at=received_at,
                        tracker_key=tracker_key,
                        wire=json.loads(text),
                        sessionid=sessionid,
                        ecommerceid=ecommerceid,
                    )
                )
        return rows

    def since(self, after_id: int = 0, limit: int | None = None) -> list[ActivityRow]:
        """Return the rows with ``id > after_id``, oldest first, at most ``limit`` of them."""
        sql = (
            "SELECT id, received_at, tracker_key, wire, sessionid, ecommerceid"
            " FROM activities WHERE id > ? ORDER BY id"
        )
        params: tuple[int, ...] = (after_id,)
        if limit is not None:
            sql += " LIMIT ?"
            params = (after_id, limit)
        with self._connect() as conn:
            return [_row(r) for r in conn.execute(sql, params)]

    def all(self) -> list[ActivityRow]:
        """Return every stored row, oldest first."""
        return self.since(0)

    def count(self) -> int:
        """Return how many activities are stored."""
        with self._connect() as conn:
            (n,) = conn.execute("SELECT COUNT(*) FROM activities").fetchone()
            return int(n)


def _row(r: tuple[Any, ...]) -> ActivityRow:
    row_id, received_at, tracker_key, wire, sessionid, ecommerceid = r
    return ActivityRow(
        id=int(row_id),
        received_at=str(received_at),
        tracker_key=str(tracker_key),
        wire=json.loads(wire),
        sessionid=sessionid,
        ecommerceid=ecommerceid,
    )
