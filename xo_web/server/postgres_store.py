"""The outbox in PostgreSQL (psycopg 3): shared by any number of processes and machines.

A claim selects due rows `FOR UPDATE SKIP LOCKED` and moves their `due_at` to the lease's end
in the same transaction, so concurrent senders never take the same rows while a lease holds,
and rows whose sender died become due again when the lease ends. Commits are durable with the
server's default `synchronous_commit = on`. Times are epoch seconds from the writer's clock:
keep the machines' clocks in sync (NTP) — the lease (60 s by default) dwarfs ordinary skew.

A sender's store (`sender=True`) sets `synchronous_commit = off` on its session: its claims,
acks and dead letters do not wait for the WAL flush. That cannot lose an activity: a send
commits with the default `on`, and flushing the WAL up to its commit record flushes every
record before it, the sender's included (the WAL is one sequence); a crash can only undo the
sender's latest leases or deletions, so those rows are delivered again (a duplicate).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from xo_web.server.dsn import PostgresTarget
from xo_web.server.store import Execute, SqlStore

CONNECT_TIMEOUT_S = 10

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS xo_outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        endpoint TEXT NOT NULL,
        body TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        due_at DOUBLE PRECISION NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        owner TEXT,
        solo SMALLINT NOT NULL DEFAULT 0,
        last_error TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS xo_outbox_due ON xo_outbox (due_at, id)",
    """CREATE TABLE IF NOT EXISTS xo_dead (
        id BIGINT PRIMARY KEY,
        endpoint TEXT NOT NULL,
        body TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        attempts INTEGER NOT NULL,
        died_at DOUBLE PRECISION NOT NULL,
        status INTEGER NOT NULL,
        reason TEXT NOT NULL
    )""",
]
# Concurrent `CREATE TABLE IF NOT EXISTS` can still collide in PostgreSQL's catalog; one
# advisory lock (a fixed key of xo_web's) serialises the schema set-up across processes.
SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(7261584930)"


class PostgresStore(SqlStore):
    """The outbox statements over a PostgreSQL database."""

    placeholder = "%s"

    def __init__(self, target: PostgresTarget, *, sender: bool = False) -> None:
        super().__init__()
        self.target = target
        self.sender = sender
        # Imported here, in the thread that makes the tracker, not first in the sender thread
        # (a fork during an import in another thread can leave the child a half module).
        import psycopg  # noqa: F401

    def _connect(self) -> Any:
        import psycopg

        connection = psycopg.connect(
            self.target.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
        )
        if self.sender:
            connection.execute("SET synchronous_commit = off")
        return connection

    @contextmanager
    def _transaction(
        self, connection: Any, *, write: bool, single: bool = False
    ) -> Iterator[Execute]:
        def execute(sql: str, params: Sequence[object]) -> Any:
            return connection.execute(sql, tuple(params), prepare=False)

        if single:  # autocommit: one round trip, committed by itself
            yield execute
            return

        with connection.transaction():
            yield execute

    def _schema(self) -> list[str]:
        return [SCHEMA_LOCK, *SCHEMA]

    def _tables_sql(self) -> str:
        return (
            "SELECT (to_regclass('xo_outbox') IS NOT NULL)::int "
            "+ (to_regclass('xo_dead') IS NOT NULL)::int"
        )

    def _lock_rows(self) -> str:
        return " FOR UPDATE SKIP LOCKED"

    def _is_database_error(self, error: Exception) -> bool:
        import psycopg

        return isinstance(error, psycopg.Error | OSError)

    def _drop_if_broken(self) -> None:
        connection = self._connection
        if connection is not None and (connection.closed or connection.broken):
            self._connection = None


__all__ = ["SCHEMA", "PostgresStore"]
