"""The outbox in one SQLite file: WAL, `synchronous=FULL` (a commit survives a power loss;
`?synchronous=normal` trades that for speed), every write under `BEGIN IMMEDIATE` (one writer
at a time, waiting up to the busy timeout).

Any number of threads and processes on one machine may share the file; each `SqliteStore`
keeps one connection of its own, closed before a fork and re-made on next use in both parent
and child (`xo_web.server.forking`).

A sender's store (`sender=True`) commits with `synchronous=NORMAL`: its claims, acks, dead
letters and sweeps are not fsynced each. That cannot lose an activity: every send's commit is
FULL, and its fsync of the WAL file makes every frame written before it durable too, the
sender's included; a power cut can only undo the sender's latest leases or deletions, so rows
come back due and are delivered again (at least once: a duplicate, never a loss). Checkpoints
still fsync the WAL first and the database after, whoever runs them.

Checkpoints (copying the WAL into the database file: a few to a hundred ms here) are the
sender's job: it runs one outside any write transaction after every few hundred delivered
rows and when it goes idle (`Courier`), so no send waits behind one. SQLite's automatic
checkpoint only backs that up, at `AUTOCHECKPOINT_PAGES`, for an outbox nobody delivers from.

The stores of one process on one file (the tracker's, its sender's) also hold one in-process
lock around each write transaction: a send that meets the sender's transaction waits just
until it ends, not in SQLite's busy handler, which sleeps 1, 2, 5 … ms between attempts.
"""

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from xo_web.server.dsn import SqliteTarget
from xo_web.server.store import Execute, SqlStore

DEFAULT_BUSY_TIMEOUT_MS = 10_000
AUTOCHECKPOINT_PAGES = 10_000  # ~40 MB of WAL; SQLite's default of 1,000 is the sender's pace

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS xo_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        endpoint TEXT NOT NULL,
        body TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at REAL NOT NULL,
        due_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        owner TEXT,
        solo INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS xo_outbox_due ON xo_outbox (due_at, id)",
    """CREATE TABLE IF NOT EXISTS xo_dead (
        id INTEGER PRIMARY KEY,
        endpoint TEXT NOT NULL,
        body TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL,
        died_at REAL NOT NULL,
        status INTEGER NOT NULL,
        reason TEXT NOT NULL
    )""",
]


_WRITERS: dict[tuple[int, str], threading.Lock] = {}


def writer_lock(path: str) -> threading.Lock:
    """The lock this process's stores on file `path` (a real path) hold while they write.

    Keyed by pid too: a forked child gets locks of its own (a copied one may be held by a
    thread the child does not have). `setdefault` is atomic under the GIL: no lock needed.
    """
    return _WRITERS.setdefault((os.getpid(), path), threading.Lock())


def configure(
    connection: sqlite3.Connection, target: SqliteTarget, *, sender: bool = False
) -> None:
    """Apply the outbox's pragmas to a connection: WAL, durable commits, the size cap
    (`sender`: commits not fsynced each, see the module doc)."""
    busy = target.options.get("busy_timeout_ms", DEFAULT_BUSY_TIMEOUT_MS)
    connection.execute(f"PRAGMA busy_timeout = {int(busy)}")
    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"the outbox file cannot use WAL (journal_mode={mode})")
    synchronous = "NORMAL" if sender or target.synchronous == "normal" else "FULL"
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    connection.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
    if "max_page_count" in target.options:
        connection.execute(f"PRAGMA max_page_count = {int(target.options['max_page_count'])}")


class SqliteStore(SqlStore):
    """The outbox statements over a SQLite file."""

    close_before_fork = True  # SQLite's lock bookkeeping must not cross a fork

    def __init__(self, target: SqliteTarget, *, sender: bool = False) -> None:
        super().__init__()
        self.target = target
        self.sender = sender
        self._path = os.path.realpath(target.path)
        self._writer = writer_lock(self._path)

    def _connect(self) -> sqlite3.Connection:
        self.target.path.parent.mkdir(parents=True, exist_ok=True)
        busy_s = self.target.options.get("busy_timeout_ms", DEFAULT_BUSY_TIMEOUT_MS) / 1000
        connection = sqlite3.connect(
            self.target.path, timeout=busy_s, isolation_level=None, check_same_thread=False
        )
        try:
            configure(connection, self.target, sender=self.sender)
        except BaseException:
            connection.close()
            raise
        return connection

    @contextmanager
    def _transaction(
        self, connection: Any, *, write: bool, single: bool = False
    ) -> Iterator[Execute]:
        def execute(sql: str, params: Sequence[object]) -> sqlite3.Cursor:
            cursor: sqlite3.Cursor = connection.execute(sql, tuple(params))
            return cursor

        if single:  # autocommit: the statement takes the lock and commits by itself
            yield execute
            return

        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield execute
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.rollback()
            raise

    def forget_after_fork(self) -> None:
        """In a forked child: also take this process's own writer lock."""
        super().forget_after_fork()
        self._writer = writer_lock(self._path)

    def checkpoint(self) -> None:
        """A passive checkpoint, outside the writer lock: sends go on meanwhile."""
        with self.transaction(write=False, single=True) as execute:
            execute("PRAGMA wal_checkpoint(PASSIVE)", ()).fetchall()

    def _writer_lock(self) -> contextlib.AbstractContextManager[object]:
        return self._writer

    def _schema(self) -> list[str]:
        return SCHEMA

    def _tables_sql(self) -> str:
        return (
            "SELECT COUNT(*) FROM sqlite_master "
            "WHERE type = 'table' AND name IN ('xo_outbox', 'xo_dead')"
        )

    def _is_database_error(self, error: Exception) -> bool:
        return isinstance(error, sqlite3.Error | OSError)


__all__ = ["SCHEMA", "SqliteStore", "configure"]
