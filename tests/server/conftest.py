"""Fixtures of the server-half tests: a real PostgreSQL, a local collector, fast settings.

The session starts its own PostgreSQL cluster (initdb + pg_ctl as the `postgres` user in a temp
folder, Unix socket only); a machine without PostgreSQL fails these tests, never skips them.
Each test gets a fresh database (`pg_dsn`) or SQLite file, and `outbox` runs a test on both.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.kit import FAST, KEY
from tests.support.postgres import Cluster
from tests.support.sink import Sink
from xo_web.server import Tracker

_databases = itertools.count()
# Lines the loss/duplicate tests report, printed at the end of every run (not only with -s).
REPORT: list[str] = []


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Report a figure of this test in the run's terminal summary."""

    def add(line: str) -> None:
        REPORT.append(f"{request.node.nodeid}: {line}")

    return add


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print what the server tests reported (lost and duplicated activities)."""
    if REPORT:
        terminalreporter.section("xo_web.server delivery report")
        for line in REPORT:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A PostgreSQL cluster for the whole session (fails when PostgreSQL is missing)."""
    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_dsn(postgres: Cluster) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres.create_database(f"xo_test_{next(_databases)}")


@pytest.fixture
def sqlite_dsn(tmp_path: Path) -> str:
    """A fresh SQLite outbox file for one test."""
    return f"sqlite:///{tmp_path / 'outbox.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def outbox(request: pytest.FixtureRequest) -> str:
    """The outbox DSN: each test using it runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_dsn" if request.param == "sqlite" else "pg_dsn"
    dsn: str = request.getfixturevalue(name)
    return dsn


@pytest.fixture
def sink() -> Iterator[Sink]:
    """A recording collector on 127.0.0.1."""
    with Sink() as running:
        yield running


@pytest.fixture
def make_tracker(sink: Sink) -> Iterator[Callable[..., Tracker]]:
    """Make Trackers posting to the sink with FAST settings; each is closed after the test."""
    made: list[Tracker] = []

    def make(outbox: str, **options: Any) -> Tracker:
        options.setdefault("collect_url", sink.url)
        options.setdefault("settings", FAST)
        tracker = Tracker(KEY, outbox=outbox, **options)
        made.append(tracker)
        return tracker

    yield make
    for tracker in made:
        tracker.close(timeout=2.0)
