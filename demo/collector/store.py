"""SQLite persistence for the demo collector: one file under data_dir, one transaction per batch.

This module owns the database file: its schema and migration, the connections, the write
transaction in which a batch is stored *and* stitched (both or neither, so a failed request
stores nothing and its retry cannot duplicate it), the reads, and the retention cap (the
oldest rows go first, a range delete on the primary key).

Every call opens its own short-lived connection, so the store is safe to use from the threads
Starlette runs blocking work in, and from several app instances over one file (writes take
SQLite's write lock up front with ``BEGIN IMMEDIATE``; in one process they also queue on a lock).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demo.collector import profiles
from demo.collector.stitching import (
    ActivityRow,
    Profile,
    ProfileKey,
    identities_of,
    profile_id,
)

DB_FILENAME = "collector.sqlite3"
SCHEMA_VERSION = 2
DEFAULT_MAX_ROWS = 200_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS activities (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT    NOT NULL,
    tracker_key TEXT    NOT NULL,
    wire        TEXT    NOT NULL,
    sessionid   TEXT,
    ecommerceid TEXT,
    profile_id  TEXT,
    via         TEXT
);
CREATE INDEX IF NOT EXISTS activities_sessionid ON activities (tracker_key, sessionid);
CREATE INDEX IF NOT EXISTS activities_ecommerceid ON activities (tracker_key, ecommerceid);
"""

_COLUMNS = "id, received_at, tracker_key, wire, sessionid, ecommerceid, via"

__all__ = ["DB_FILENAME", "DEFAULT_MAX_ROWS", "ActivityStore", "identities_of", "utc_now"]


def utc_now() -> str:
    """Return the current UTC time as an ISO 8601 string with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ActivityStore:
    """The activity log and its stitched profiles in ``<data_dir>/collector.sqlite3``.

    ``max_rows`` caps the stored activities (the oldest are deleted first; None: no cap).
    ``on_connect``, when set, is called with every new connection (instrumentation: tests
    count the SQLite work a request does with it).
    """

    def __init__(self, data_dir: Path, *, max_rows: int | None = DEFAULT_MAX_ROWS) -> None:
        if max_rows is not None and max_rows < 1:
            raise ValueError("max_rows must be positive")
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DB_FILENAME
        self.max_rows = max_rows
        self.on_connect: Callable[[sqlite3.Connection], None] | None = None
        self._write_lock = threading.Lock()
        # Held open for the store's lifetime, so that closing a request's connection is never
        # closing the last one (which would checkpoint and delete the WAL file every time).
        self._keeper = sqlite3.connect(self.path, check_same_thread=False)
        self._keeper.execute("PRAGMA journal_mode=WAL")
        with self._connect() as conn:
            conn.executescript(_SCHEMA)
        with self._transaction() as conn:
            _migrate(conn)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; fsync at checkpoints
            if self.on_connect is not None:
                self.on_connect(conn)
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed if the block succeeds, rolled back otherwise."""
        with self._write_lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def add(
        self, tracker_key: str, wires: Sequence[Mapping[str, Any]], via: str | None = None
    ) -> tuple[list[ActivityRow], dict[int, str]]:
        """Store and stitch a batch in one transaction; return its rows and their profile ids.

        ``via`` is the request's ``Via`` header: which proxy (the xo_web relay) brought it."""
        received_at = utc_now()
        rows: list[ActivityRow] = []
        assigned: dict[int, str] = {}
        with self._transaction() as conn:
            stitcher = profiles.BatchStitcher(conn)
            for wire in wires:
                text = json.dumps(wire, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
                identities = identities_of(wire)
                sessionid = identities.get("sessionid")
                ecommerceid = identities.get("ecommerceid")
                key = stitcher.assign(tracker_key, sessionid, ecommerceid)
                cursor = conn.execute(
                    "INSERT INTO activities"
                    " (received_at, tracker_key, wire, sessionid, ecommerceid, profile_id, via)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (received_at, tracker_key, text, sessionid, ecommerceid, _pid(key), via),
                )
                row_id = cursor.lastrowid
                assert row_id is not None
                row = ActivityRow(
                    row_id, received_at, tracker_key, wire, sessionid, ecommerceid, via
                )
                if key is None:  # no identity: a profile of its own, named after the row
                    key = _own_profile(conn, tracker_key, row_id)
                stitcher.absorb(key, row)
                assigned[row_id] = profile_id(key)
                rows.append(row)
            stitcher.flush()
            assigned = {row_id: stitcher.final(pid) for row_id, pid in assigned.items()}
            if rows:
                self._enforce_cap(conn, rows[-1].id)
        return rows, assigned

    def _enforce_cap(self, conn: sqlite3.Connection, last_id: int) -> None:
        """Delete the rows older than the newest ``max_rows`` ids (a primary-key range)."""
        if self.max_rows is None or last_id <= self.max_rows:
            return
        cutoff = last_id - self.max_rows
        removed = conn.execute(
            "SELECT profile_id, tracker_key, sessionid FROM activities WHERE id <= ?", (cutoff,)
        ).fetchall()
        if removed:
            conn.execute("DELETE FROM activities WHERE id <= ?", (cutoff,))
            profiles.forget(conn, removed)

    def since(self, after_id: int = 0, limit: int | None = None) -> list[ActivityRow]:
        """Return the rows with ``id > after_id``, oldest first, at most ``limit`` of them."""
        sql = f"SELECT {_COLUMNS} FROM activities WHERE id > ? ORDER BY id"
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

    def profiles(self) -> list[Profile]:
        """Every stitched profile, ordered by its first activity."""
        with self._connect() as conn:
            conn.execute("BEGIN")  # one consistent snapshot for both queries
            try:
                return profiles.list_profiles(conn)
            finally:
                conn.execute("COMMIT")


def _own_profile(conn: sqlite3.Connection, tracker_key: str, row_id: int) -> ProfileKey:
    key: ProfileKey = (tracker_key, "activity", str(row_id))
    conn.execute("UPDATE activities SET profile_id = ? WHERE id = ?", (profile_id(key), row_id))
    return key


def _pid(key: ProfileKey | None) -> str | None:
    return None if key is None else profile_id(key)


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a version-1 file (no stitched profiles) up to date, stitching its rows once."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    columns = {str(info[1]) for info in conn.execute("PRAGMA table_info(activities)")}
    if "profile_id" not in columns:
        conn.execute("ALTER TABLE activities ADD COLUMN profile_id TEXT")
    if "via" not in columns:
        conn.execute("ALTER TABLE activities ADD COLUMN via TEXT")
    for statement in profiles.SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    if version >= SCHEMA_VERSION:
        return
    conn.execute("DELETE FROM profiles")
    conn.execute("DELETE FROM session_links")
    stitcher = profiles.BatchStitcher(conn)
    for raw in conn.execute(f"SELECT {_COLUMNS} FROM activities ORDER BY id").fetchall():
        row = _row(raw)
        found = stitcher.assign(row.tracker_key, row.sessionid, row.ecommerceid)
        key: ProfileKey = found or (row.tracker_key, "activity", str(row.id))
        conn.execute("UPDATE activities SET profile_id = ? WHERE id = ?", (profile_id(key), row.id))
        stitcher.absorb(key, row)
    stitcher.flush()
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def _row(r: tuple[Any, ...]) -> ActivityRow:
    row_id, received_at, tracker_key, wire, sessionid, ecommerceid, via = r
    return ActivityRow(
        id=int(row_id),
        received_at=str(received_at),
        tracker_key=str(tracker_key),
        wire=json.loads(wire),
        sessionid=sessionid,
        ecommerceid=ecommerceid,
        via=via,
    )
