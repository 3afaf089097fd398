"""The transactional outbox: activities written in the caller's own database transaction.

`send(..., connection=conn)` inserts into `xo_outbox` through the caller's connection and does
not commit: the activity exists if and only if the caller's transaction commits. Accepted: a
`sqlite3.Connection`, a psycopg 3 `Connection`, or a SQLAlchemy `Connection` over either
(its driver connection is used, inside SQLAlchemy's transaction). The connection must reach the
same database as the tracker's `outbox` DSN (checked where the driver says which it is).
"""

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xo_web.errors import ConfigError
from xo_web.server.dsn import PostgresTarget, SqliteTarget, Target
from xo_web.server.errors import OutboxError
from xo_web.server.store import INSERT


def driver_connection(connection: object) -> Any:
    """Return the DB-API connection behind `connection` (unwrapping SQLAlchemy's)."""
    if type(connection).__module__.startswith("sqlalchemy"):
        proxied = getattr(connection, "connection", None)
        driver = getattr(proxied, "driver_connection", None)
        if driver is None:
            raise ConfigError("connection: this SQLAlchemy connection has no driver connection")
        return driver
    return connection


def insert_in_transaction(
    connection: object,
    target: Target,
    endpoint: str,
    bodies: Sequence[str],
    now: float,
    schema: Sequence[str] = (),
) -> None:
    """Insert activities through the caller's connection, uncommitted; OutboxError on failure.

    `schema` (the tables, when missing) is created first in the same transaction: the caller
    may already hold the database's write lock, so the tracker's own connection cannot.
    """
    driver = driver_connection(connection)
    rows = [(endpoint, body, len(body.encode()), now, now) for body in bodies]
    if isinstance(driver, sqlite3.Connection):
        _check_same_sqlite(driver, target)
        try:
            for statement in schema:
                driver.execute(statement)
            driver.executemany(INSERT, rows)
        except sqlite3.Error as error:
            raise OutboxError(f"the outbox failed: {error}") from error
        return
    if type(driver).__module__.startswith("psycopg"):
        _check_same_postgres(driver, target)
        import psycopg

        try:
            with driver.cursor() as cursor:
                for statement in schema:
                    cursor.execute(statement)
                cursor.executemany(INSERT.replace("?", "%s"), rows)
        except psycopg.Error as error:
            raise OutboxError(f"the outbox failed: {error}") from error
        return
    raise ConfigError(
        "connection must be a sqlite3, psycopg or SQLAlchemy connection, "
        f"not {type(connection).__name__}"
    )


def _check_same_sqlite(connection: sqlite3.Connection, target: Target) -> None:
    if not isinstance(target, SqliteTarget):
        raise ConfigError("connection is a SQLite connection but the outbox is PostgreSQL")
    row = next((r for r in connection.execute("PRAGMA database_list") if r[1] == "main"), None)
    path = row[2] if row else ""
    if not path or Path(path).resolve() != target.path.resolve():
        raise ConfigError(
            f"connection must be to the outbox's own file {str(target.path)!r}, not {path!r}"
        )


def _check_same_postgres(connection: Any, target: Target) -> None:
    if not isinstance(target, PostgresTarget):
        raise ConfigError("connection is a PostgreSQL connection but the outbox is SQLite")
    import psycopg

    mine = psycopg.conninfo.conninfo_to_dict(target.conninfo)
    theirs = connection.info.get_parameters()
    for key in ("dbname", "port"):
        if key in mine and key in theirs and str(mine[key]) != str(theirs[key]):
            raise ConfigError(f"connection must be to the outbox's database ({key} differs)")


__all__ = ["driver_connection", "insert_in_transaction"]
