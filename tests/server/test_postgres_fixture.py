"""The PostgreSQL the tests start: found on PATH or in /usr/lib/postgresql/*/bin, else a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.postgres import PostgresNotFound, find_bin_dir


def test_no_postgresql_is_an_error_not_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without initdb/pg_ctl anywhere, the lookup raises (the session fixture errors, fails)."""
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    with pytest.raises(PostgresNotFound, match="apt-get install"):
        find_bin_dir()


def test_debians_versioned_folder_is_searched(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Off PATH, the binaries are found in Debian's /usr/lib/postgresql/<version>/bin."""
    for version in ("13", "15"):
        folder = tmp_path / version / "bin"
        folder.mkdir(parents=True)
        (folder / "initdb").touch()
        (folder / "pg_ctl").touch()
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr(
        "glob.glob", lambda pattern: [str(tmp_path / v / "bin") for v in ("13", "15")]
    )
    assert find_bin_dir() == tmp_path / "15" / "bin"


def test_the_session_cluster_answers(pg_dsn: str) -> None:
    """The cluster the session started is a real PostgreSQL that answers queries."""
    import psycopg

    with psycopg.connect(pg_dsn) as connection:
        row = connection.execute("SELECT current_setting('server_version_num')::int").fetchone()
    assert row is not None
    assert row[0] >= 100000
