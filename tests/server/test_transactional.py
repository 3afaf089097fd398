"""The transactional outbox: an activity written in the caller's own transaction exists iff
that transaction commits — on a sqlite3, a psycopg and a SQLAlchemy connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
import sqlalchemy

from tests.server.kit import KEY, USER, view
from tests.support.sink import Sink
from xo_web.errors import ConfigError
from xo_web.server import Tracker


@contextmanager
def shop_connection(kind: str, dsn: str) -> Iterator[Any]:
    """The shop's own connection to the outbox's database, of the given driver."""
    if kind == "sqlite3":
        lite = sqlite3.connect(dsn.removeprefix("sqlite:///"))
        yield lite
        lite.close()
    elif kind == "psycopg":
        with psycopg.connect(dsn) as pg:
            yield pg
    else:
        url = dsn.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = sqlalchemy.create_engine(url if url.startswith("postgresql") else dsn)
        with engine.connect() as alchemy:
            yield alchemy
        engine.dispose()


CASES = [
    ("sqlite3", "sqlite_dsn"),
    ("psycopg", "pg_dsn"),
    ("sqlalchemy", "sqlite_dsn"),
    ("sqlalchemy", "pg_dsn"),
]


def _order_table(connection: Any, kind: str) -> None:
    sql = "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY)"
    if kind == "sqlalchemy":
        connection.execute(sqlalchemy.text(sql))
    else:
        connection.execute(sql)
    connection.commit()


def _insert_order(connection: Any, kind: str, order: str) -> None:
    if kind == "sqlalchemy":
        connection.execute(sqlalchemy.text("INSERT INTO orders VALUES (:id)"), {"id": order})
    else:
        mark = "?" if kind == "sqlite3" else "%s"
        connection.execute(f"INSERT INTO orders VALUES ({mark})", (order,))


@pytest.mark.parametrize(("kind", "database"), CASES)
def test_a_committed_order_sends_its_purchase_once(
    kind: str,
    database: str,
    request: pytest.FixtureRequest,
    sink: Sink,
    make_tracker: Callable[..., Tracker],
) -> None:
    """The purchase written with the order is delivered once after the commit."""
    dsn: str = request.getfixturevalue(database)
    tracker = make_tracker(dsn)
    if database == "sqlite_dsn":
        tracker.status()  # a fresh SQLite file is put in WAL mode before the shop writes to it
    with shop_connection(kind, dsn) as connection:
        _order_table(connection, kind)
        _insert_order(connection, kind, "o-1")
        tracker.send(view("o-1"), user=USER, connection=connection)
        connection.commit()
    assert tracker.flush(10)
    assert sink.delivered("n") == {"o-1": 1}


@pytest.mark.parametrize(("kind", "database"), CASES)
def test_a_rolled_back_order_sends_nothing(
    kind: str,
    database: str,
    request: pytest.FixtureRequest,
    sink: Sink,
    make_tracker: Callable[..., Tracker],
) -> None:
    """The purchase written with an order that is rolled back never exists, never arrives."""
    dsn: str = request.getfixturevalue(database)
    tracker = make_tracker(dsn)
    if database == "sqlite_dsn":
        tracker.status()  # a fresh SQLite file is put in WAL mode before the shop writes to it
    with shop_connection(kind, dsn) as connection:
        _order_table(connection, kind)
        _insert_order(connection, kind, "o-2")
        tracker.send(view("o-2"), user=USER, connection=connection)
        connection.rollback()
    tracker.send(view("after"), user=USER)  # something that does arrive, to wait for
    assert tracker.flush(10)
    assert sink.delivered("n") == {"after": 1}
    assert tracker.status().pending == 0


def test_a_connection_to_another_sqlite_file_is_refused(sqlite_dsn: str, tmp_path: Any) -> None:
    """A connection to a different database than the outbox is a ConfigError, not a lost event."""
    tracker = Tracker(KEY, outbox=sqlite_dsn, start_sender=False)
    other = sqlite3.connect(tmp_path / "other.db")
    with pytest.raises(ConfigError, match="outbox's own file"):
        tracker.send(view(1), user=USER, connection=other)
    other.close()


def test_an_unknown_connection_kind_is_refused(sqlite_dsn: str) -> None:
    """Only sqlite3, psycopg and SQLAlchemy connections are accepted."""
    tracker = Tracker(KEY, outbox=sqlite_dsn, start_sender=False)
    with pytest.raises(ConfigError, match="connection must be"):
        tracker.send(view(1), user=USER, connection=object())
