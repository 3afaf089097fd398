"""Persistence: the SQLite file under data_dir and what survives a restart."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from .helpers import SESSION_A, make_activity, stored


def test_database_file_is_created_on_first_run(
    data_dir: Path, app_factory: Callable[..., Starlette]
) -> None:
    """Creating the app creates data_dir and collector.sqlite3 in it."""
    assert not data_dir.exists()
    app_factory()
    assert (data_dir / "collector.sqlite3").is_file()


def test_restart_over_the_same_data_dir_keeps_the_data(
    app_factory: Callable[..., Starlette],
) -> None:
    """A new app over the same data_dir serves the activities and profiles stored before."""
    with TestClient(app_factory()) as first:
        assert first.post("/collect/demo", json=make_activity("view")).status_code == 200
        assert (
            first.post("/collect/demo", json=make_activity("click", ecommerce="c1")).status_code
            == 200
        )
        before = stored(first)
    with TestClient(app_factory()) as second:
        assert stored(second) == before
        (profile,) = second.get("/api/profiles").json()
        assert profile["activityIds"] == [row["id"] for row in before]
        assert second.post("/collect/demo", json=make_activity("purchase")).status_code == 200
        assert [row["id"] for row in stored(second)] == [1, 2, 3]


def test_row_holds_the_wire_json_and_indexed_identities(data_dir: Path, client: TestClient) -> None:
    """Each row stores id, received_at, tracker_key, the wire JSON, sessionid and ecommerceid."""
    client.post("/collect/demo", json=make_activity("view", ecommerce="c1"))
    with sqlite3.connect(data_dir / "collector.sqlite3") as conn:
        (row,) = conn.execute(
            "SELECT id, received_at, tracker_key, wire, sessionid, ecommerceid FROM activities"
        ).fetchall()
    row_id, received_at, tracker_key, wire, sessionid, ecommerceid = row
    assert row_id == 1
    assert received_at.endswith("Z")
    assert tracker_key == "demo"
    assert '"action":"view"' in wire
    assert (sessionid, ecommerceid) == (SESSION_A, "c1")
