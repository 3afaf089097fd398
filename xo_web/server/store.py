"""The outbox's tables and every statement on them, shared by the SQLite and PostgreSQL stores.

One row per activity in `xo_outbox`: its endpoint, its wire JSON, when it was recorded, when it
is next due (`due_at`), how often it was claimed, and the lease's owner. A claim takes the
oldest due rows of one endpoint (bounded in count and bytes) and pushes their `due_at` to the
lease's end, so a sender that dies mid-batch loses its lease and another takes the rows over
(at least once). `solo` rows go one per request (a batch refused for good is split that way).
Refused rows and expired ones move to `xo_dead` with the status and the reason.

`SqlStore` holds the statements; a subclass supplies the connection, the placeholder style and
how a claim locks (`BEGIN IMMEDIATE` on SQLite, `FOR UPDATE SKIP LOCKED` on PostgreSQL).
"""

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from xo_web.server.errors import OutboxError
from xo_web.server.forking import INHERITED, register
from xo_web.server.group import GroupCommit, Row
from xo_web.server.records import Claim, Status

INSERT = "INSERT INTO xo_outbox (endpoint, body, size, created_at, due_at) VALUES (?, ?, ?, ?, ?)"
ROW_MARKS = "(?, ?, ?, ?, ?)"
DEAD_COLUMNS = "id, endpoint, body, size, created_at, attempts"
MAX_REASON_CHARS = 1000
INSERT_ROWS = 500  # rows per INSERT statement (5 parameters each: within every driver's limit)

Execute = Callable[[str, Sequence[object]], Any]


class SqlStore:
    """The statements over one connection of the subclass's making; thread-safe, fork-aware."""

    placeholder = "?"
    close_before_fork = False  # see xo_web.server.forking

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._connection: Any = None
        self.group = GroupCommit(self._write_rows)
        register(self)

    # -- what a subclass supplies -------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _transaction(self, connection: Any, *, write: bool, single: bool = False) -> Any:
        """A context manager around one transaction, yielding an `execute(sql, params)`.

        `single`: the caller runs one statement, atomic and durable by itself (autocommit):
        no BEGIN/COMMIT round trips.
        """
        raise NotImplementedError

    def _schema(self) -> list[str]:
        raise NotImplementedError

    def _lock_rows(self) -> str:
        return ""

    def _writer_lock(self) -> contextlib.AbstractContextManager[object]:
        """Held around each write transaction, after the store's own lock (see SqliteStore)."""
        return contextlib.nullcontext()

    def _tables_sql(self) -> str:
        """A query counting which of xo_outbox and xo_dead exist."""
        raise NotImplementedError

    # -- connection handling --------------------------------------------------------------------
    @contextmanager
    def transaction(self, *, write: bool = True, single: bool = False) -> Iterator[Execute]:
        """Run one transaction; any database failure becomes an OutboxError (rolled back)."""
        if os.getpid() != self._pid:
            self.forget_after_fork()
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._connect()
                with (
                    self._writer_lock() if write else contextlib.nullcontext(),
                    self._transaction(self._connection, write=write, single=single) as execute,
                ):
                    yield execute
            except OutboxError:
                raise
            except Exception as error:
                if self._is_database_error(error):
                    self._drop_if_broken()
                    raise OutboxError(f"the outbox failed: {error}") from error
                raise

    def _is_database_error(self, error: Exception) -> bool:
        return True

    def _drop_if_broken(self) -> None:
        """Forget a connection that can no longer be used (the next call reconnects)."""

    def forget_after_fork(self) -> None:
        """In a forked child: abandon the parent's connection (never closed) and its lock."""
        if self._connection is not None:
            INHERITED.append(self._connection)
        self._connection = None
        self._lock = threading.Lock()
        self.group = GroupCommit(self._write_rows)
        self._pid = os.getpid()

    def lock_for_fork(self) -> threading.Lock:
        """The lock every transaction holds (taken by the fork hook)."""
        return self._lock

    def drop_connection(self) -> object:
        """Forget the connection and return it (the caller holds the lock and closes it)."""
        connection, self._connection = self._connection, None
        return connection

    def owned_here(self) -> bool:
        """Whether this process made the store's state (not a forked child's copy)."""
        return self._pid == os.getpid()

    def close(self) -> None:
        """Close this process's connection (an inherited one is left alone)."""
        if os.getpid() != self._pid:
            self.forget_after_fork()
            return
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # closing is best effort
                connection.close()

    def q(self, sql: str) -> str:
        """Return `sql` in this driver's placeholder style."""
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    # -- the statements -------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create the tables and the index where they are missing.

        A read first: where they exist (the usual case) no lock is taken, so a process that
        starts never waits behind the shop's open transactions on the outbox.
        """
        if self.has_schema():
            return
        with self.transaction() as execute:
            for statement in self._schema():
                execute(statement, ())

    def has_schema(self) -> bool:
        """Whether the tables exist (a read: it waits for no writer)."""
        with self.transaction(write=False) as execute:
            return int(execute(self._tables_sql(), ()).fetchone()[0]) == 2

    def schema(self) -> list[str]:
        """The statements creating what is missing (for a caller's own transaction)."""
        return self._schema()

    def insert(self, endpoint: str, bodies: Sequence[str], now: float) -> None:
        """Record activities for `endpoint` durably, or raise OutboxError; concurrent calls
        share one transaction (group commit: xo_web.server.group)."""
        self.group.submit([(endpoint, body, len(body.encode()), now, now) for body in bodies])

    def _write_rows(self, rows: Sequence[Row]) -> None:
        """Insert `rows` in one transaction (one statement per INSERT_ROWS rows)."""
        chunks = [rows[i : i + INSERT_ROWS] for i in range(0, len(rows), INSERT_ROWS)]
        with self.transaction(single=len(chunks) == 1) as execute:
            for chunk in chunks:
                sql = INSERT.removesuffix(ROW_MARKS) + ", ".join(ROW_MARKS for _ in chunk)
                execute(self.q(sql), [value for row in chunk for value in row])

    def claim(
        self, owner: str, now: float, *, lease_s: float, limit: int, max_bytes: int
    ) -> Claim | None:
        """Lease the oldest due rows of one endpoint to `owner`; None when nothing is due."""
        select = self.q(
            "SELECT id, endpoint, body, size, attempts, solo FROM xo_outbox "
            f"WHERE due_at <= ? ORDER BY id LIMIT ?{self._lock_rows()}"
        )
        with self.transaction() as execute:
            rows = execute(select, (now, limit)).fetchall()
            if not rows:
                return None
            endpoint = rows[0][1]
            taken: list[tuple[int, str, int]] = []
            total = 0
            for row_id, row_endpoint, body, size, attempts, solo in rows:
                if row_endpoint != endpoint or (taken and (solo or total + size > max_bytes)):
                    break
                taken.append((row_id, body, attempts + 1))
                total += size
                if solo:
                    break
            ids = [row_id for row_id, _, _ in taken]
            execute(
                self.q(
                    f"UPDATE xo_outbox SET due_at = ?, owner = ?, attempts = attempts + 1 "
                    f"WHERE id IN ({self._marks(ids)})"
                ),
                (now + lease_s, owner, *ids),
            )
        return Claim(endpoint, ids, [body for _, body, _ in taken], max(a for *_, a in taken))

    def ack(self, ids: Sequence[int]) -> None:
        """Delete delivered rows (whoever holds them now: they were delivered)."""
        with self.transaction() as execute:
            execute(self.q(f"DELETE FROM xo_outbox WHERE id IN ({self._marks(ids)})"), ids)

    def reschedule(
        self, ids: Sequence[int], owner: str, due_at: float, error: str, *, solo: bool = False
    ) -> None:
        """Give rows back, due at `due_at`, if `owner` still holds them."""
        sql = (
            "UPDATE xo_outbox SET due_at = ?, owner = NULL, last_error = ?"
            + (", solo = 1" if solo else "")
            + f" WHERE owner = ? AND id IN ({self._marks(ids)})"
        )
        with self.transaction() as execute:
            execute(self.q(sql), (due_at, error[:MAX_REASON_CHARS], owner, *ids))

    def bury(self, ids: Sequence[int], now: float, status: int, reason: str) -> None:
        """Move rows to the dead-letter table with the status and the reason."""
        marks = self._marks(ids)
        with self.transaction() as execute:
            execute(
                self.q(
                    f"INSERT INTO xo_dead ({DEAD_COLUMNS}, died_at, status, reason) "
                    f"SELECT {DEAD_COLUMNS}, ?, ?, ? FROM xo_outbox WHERE id IN ({marks})"
                ),
                (now, status, reason[:MAX_REASON_CHARS], *ids),
            )
            execute(self.q(f"DELETE FROM xo_outbox WHERE id IN ({marks})"), ids)

    def expire(self, now: float, max_age_s: float) -> int:
        """Move undelivered rows older than `max_age_s` (and not leased) to the dead letters."""
        where = "WHERE created_at < ? AND due_at <= ?"
        reason = f"expired: not delivered within {max_age_s:g} s"
        with self.transaction() as execute:
            execute(
                self.q(
                    f"INSERT INTO xo_dead ({DEAD_COLUMNS}, died_at, status, reason) "
                    f"SELECT {DEAD_COLUMNS}, ?, 0, ? FROM xo_outbox {where}"
                ),
                (now, reason, now - max_age_s, now),
            )
            cursor = execute(self.q(f"DELETE FROM xo_outbox {where}"), (now - max_age_s, now))
            return int(cursor.rowcount)

    def purge_dead(self, older_than: float | None = None) -> int:
        """Delete dead letters (those that died before `older_than`, or all); return how many."""
        with self.transaction() as execute:
            if older_than is None:
                return int(execute("DELETE FROM xo_dead", ()).rowcount)
            sql = self.q("DELETE FROM xo_dead WHERE died_at < ?")
            return int(execute(sql, (older_than,)).rowcount)

    def purge_pending(self) -> int:
        """Delete every undelivered row (the CLI's `purge --pending`); return how many."""
        with self.transaction() as execute:
            return int(execute("DELETE FROM xo_outbox", ()).rowcount)

    def retry_dead(self, now: float) -> int:
        """Put every dead letter back in the outbox, due now, one per request; return how many.

        Its retention clock starts again (`created_at` = now), or an expired letter would
        expire again before its first new attempt.
        """
        columns = "endpoint, body, size, created_at, due_at, solo"
        with self.transaction() as execute:
            execute(
                self.q(
                    f"INSERT INTO xo_outbox ({columns}) "
                    "SELECT endpoint, body, size, ?, ?, 1 FROM xo_dead ORDER BY id"
                ),
                (now, now),
            )
            return int(execute("DELETE FROM xo_dead", ()).rowcount)

    def checkpoint(self) -> None:
        """Copy the log into the database file where the database has one (SQLite's WAL)."""

    def next_due(self, now: float) -> float | None:
        """Seconds until the next row is due (0 when one is due now); None when empty."""
        with self.transaction(write=False, single=True) as execute:
            row = execute("SELECT MIN(due_at) FROM xo_outbox", ()).fetchone()
        return None if row is None or row[0] is None else max(float(row[0]) - now, 0.0)

    def status(self, now: float) -> Status:
        """Count what is pending, due, leased and dead."""
        with self.transaction(write=False) as execute:
            pending, due, oldest, next_due = execute(
                self.q(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_at <= ? THEN 1 ELSE 0 END), 0), "
                    "MIN(created_at), MIN(due_at) FROM xo_outbox"
                ),
                (now,),
            ).fetchone()
            leased = execute(
                self.q("SELECT COUNT(*) FROM xo_outbox WHERE owner IS NOT NULL AND due_at > ?"),
                (now,),
            ).fetchone()[0]
            dead = execute("SELECT COUNT(*) FROM xo_dead", ()).fetchone()[0]
        return Status(
            int(pending),
            int(due),
            int(leased),
            int(dead),
            None if oldest is None else max(now - float(oldest), 0.0),
            None if next_due is None else max(float(next_due) - now, 0.0),
        )

    def dead_letters(self, limit: int = 20) -> list[tuple[int, int, str, str]]:
        """The newest dead letters: id, status, reason, body."""
        with self.transaction(write=False) as execute:
            sql = self.q("SELECT id, status, reason, body FROM xo_dead ORDER BY id DESC LIMIT ?")
            return [tuple(row) for row in execute(sql, (limit,)).fetchall()]

    @staticmethod
    def _marks(ids: Sequence[int]) -> str:
        return ", ".join("?" for _ in ids)


__all__ = ["INSERT", "Claim", "SqlStore", "Status"]
