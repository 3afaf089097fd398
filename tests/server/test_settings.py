"""Pure rules of the server half: outbox DSNs, settings, and the retry delay."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.server.kit import FAST
from xo_web.errors import ConfigError
from xo_web.server import SenderSettings
from xo_web.server.courier import Courier
from xo_web.server.dsn import PostgresTarget, SqliteTarget, default_path, parse_outbox
from xo_web.server.sqlite_store import SqliteStore


def test_sqlite_dsns_name_a_file_and_its_options() -> None:
    """sqlite:///rel and sqlite:////abs name files; query options tune SQLite."""
    assert parse_outbox("sqlite:///x/out.db") == SqliteTarget(Path("x/out.db"))
    target = parse_outbox("sqlite:////tmp/o.db?max_page_count=9&synchronous=normal")
    assert target == SqliteTarget(Path("/tmp/o.db"), {"max_page_count": 9}, "normal")


def test_postgres_dsns_go_to_psycopg_as_given() -> None:
    """postgresql:// and postgres:// DSNs, and libpq keyword strings, are PostgreSQL."""
    for dsn in ("postgresql://u@h/db", "postgres://h/db", "host=/tmp dbname=x"):
        assert parse_outbox(dsn) == PostgresTarget(dsn)


def test_no_dsn_means_the_per_user_sqlite_file() -> None:
    """Without a DSN the outbox is outbox.db in xo_web's per-user data folder."""
    target = parse_outbox(None)
    assert target == SqliteTarget(default_path())
    assert default_path().name == "outbox.db"


@pytest.mark.parametrize(
    "dsn", ["mysql://x", "sqlite://relative", "sqlite:///", "sqlite:///a?nope=1", ""]
)
def test_bad_dsns_are_config_errors(dsn: str) -> None:
    """A DSN the outbox cannot use is refused with a ConfigError."""
    with pytest.raises(ConfigError):
        parse_outbox(dsn)


def test_settings_refuse_nonsense() -> None:
    """Zero, negative or oversized settings are ConfigErrors."""
    with pytest.raises(ConfigError):
        SenderSettings(lease_s=0)
    with pytest.raises(ConfigError):
        SenderSettings(batch_size=101)
    with pytest.raises(ConfigError):
        SenderSettings(retry_base_s=10, retry_cap_s=1)


def _courier(tmp_path: Path, **changes: Any) -> Courier:
    store = SqliteStore(SqliteTarget(tmp_path / "o.db"))
    return Courier(store, replace(FAST, **changes), clock=lambda: 1000.0, rand=lambda: 1.0)


def test_retry_after_wins_over_a_shorter_backoff(tmp_path: Path) -> None:
    """The wait is the longer of the jittered backoff and what Retry-After asks."""
    courier = _courier(tmp_path, retry_base_s=0.5, retry_cap_s=2)
    courier.failures = 1
    assert courier.retry_delay("7", now=1000.0) == 7.0
    assert courier.retry_delay(None, now=1000.0) == 0.5


def test_retry_after_is_capped(tmp_path: Path) -> None:
    """A Retry-After beyond max_retry_after_s is cut to it."""
    courier = _courier(tmp_path, max_retry_after_s=60)
    courier.failures = 1
    assert courier.retry_delay("86400", now=1000.0) == 60.0


def test_backoff_doubles_up_to_its_cap(tmp_path: Path) -> None:
    """Consecutive failures double the ceiling of the jittered wait, up to retry_cap_s."""
    courier = _courier(tmp_path, retry_base_s=1, retry_cap_s=5)
    waits = []
    for failures in range(1, 6):
        courier.failures = failures
        waits.append(courier.retry_delay(None, now=1000.0))
    assert waits == [1, 2, 4, 5, 5]
