"""Fixes found in the field: atomic store+stitch, private answers, guards, odd input, retention."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx2 as httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from demo.collector import profiles
from demo.collector.app import create_app
from demo.collector.stitching import stitch
from demo.collector.store import ActivityStore
from demo.server import create_demo_app

from .helpers import JSON_HEADERS, SESSION_A, SESSION_B, make_activity, stored

Post = Callable[..., httpx.Response]


def test_a_stitching_failure_stores_nothing(
    client: TestClient, post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When stitching fails the batch is not stored, so the SDK's retry cannot duplicate it."""

    def broken(self: profiles.BatchStitcher) -> None:
        raise RuntimeError("stitching bug")

    with monkeypatch.context() as patch:
        patch.setattr(profiles.BatchStitcher, "flush", broken)
        assert post([make_activity("view"), make_activity("click")]).status_code == 500
    assert stored(client) == []
    assert client.get("/api/profiles").json() == []
    assert post([make_activity("view"), make_activity("click")]).status_code == 200
    assert len(stored(client)) == 2


def test_collect_answer_does_not_reveal_another_visitors_sessions(post: Post) -> None:
    """Naming a customer's e-commerce id answers only what the request itself sent."""
    victim = make_activity("purchase", session=SESSION_A, ecommerce="cust-victim")
    victim["user"]["identities"]["crmid"] = "crm-secret"
    assert post(victim).status_code == 200
    answer = post(make_activity("view", session=SESSION_B, ecommerce="cust-victim")).json()
    assert answer == {
        "profiles": {
            "demo:ecommerceid:cust-victim": {
                "identities": {"sessionid": SESSION_B, "ecommerceid": "cust-victim"},
                "sessionIds": [SESSION_B],
                "activities": 1,
            }
        }
    }


@pytest.mark.parametrize("host", ["evil.example", "rebound.attacker.test:8000", "10.0.0.5"])
def test_foreign_host_header_is_refused(client: TestClient, host: str) -> None:
    """A request whose Host is not a loopback name (DNS rebinding) gets 400 and changes nothing."""
    for method, path in [("GET", "/api/activities"), ("POST", "/api/faults")]:
        response = client.request(
            method, path, json={"status": 503}, headers={"Host": host, **JSON_HEADERS}
        )
        assert response.status_code == 400, (method, path)
    assert client.get("/api/faults").json() == {"pending": []}


def test_allowed_hosts_are_configurable(
    app_factory: Callable[..., Starlette], tmp_path: Path
) -> None:
    """Loopback names (IPv6 too) are served by default, "testserver" is not; allowed_hosts
    replaces the list."""
    with TestClient(app_factory()) as client:
        for host in ["127.0.0.1:8000", "localhost", "[::1]:8000"]:
            assert client.get("/api/health", headers={"Host": host}).status_code == 200, host
    with TestClient(create_app(data_dir=tmp_path / "other")) as client:  # TestClient's Host
        assert client.get("/api/health").status_code == 400
    with TestClient(app_factory(allowed_hosts=["shop.test"])) as client:
        assert client.get("/api/health", headers={"Host": "shop.test"}).status_code == 200
        assert client.get("/api/health", headers={"Host": "127.0.0.1"}).status_code == 400


def test_faults_refuse_a_text_plain_body(client: TestClient) -> None:
    """POST /api/faults as text/plain (no CORS preflight needed) gets 415 and queues nothing."""
    response = client.post(
        "/api/faults", content=b'{"status": 503}', headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert client.get("/api/faults").json() == {"pending": []}


@pytest.mark.parametrize("since", ["²", "٣", "1²", "\uff11"])
def test_non_ascii_digits_in_since_are_400(client: TestClient, since: str) -> None:
    """Unicode digits Python's str.isdigit() accepts but int() refuses get 400, not 500."""
    response = client.get("/api/activities", params={"since": since})
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


@pytest.mark.parametrize("path", ["/%00", "/a%00.css", "/api/%00", "/shop%0a", "/x" * 1500])
def test_odd_paths_are_4xx_in_the_demo_app(tmp_path: Path, path: str) -> None:
    """A NUL byte or a huge path gets a 4xx from the demo server (the storefront included)."""
    bundle = tmp_path / "xo"
    bundle.mkdir()
    (bundle / "pyscript.json").write_text("{}")
    app = create_demo_app(bundle_dir=bundle, data_dir=tmp_path / "data")
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        response = client.get(path)
    assert 400 <= response.status_code < 500, response.text


def test_retention_cap_deletes_the_oldest_rows(app_factory: Callable[..., Starlette]) -> None:
    """With max_rows=4 only the newest 4 rows stay, and profiles left with no row are gone."""
    with TestClient(app_factory(max_rows=4)) as client:
        client.post("/collect/demo", json=[make_activity("old", session="gone")] * 3)
        client.post("/collect/demo", json=[make_activity("a", session=SESSION_A)] * 2)
        client.post("/collect/demo", json=[make_activity("b", session=SESSION_B)] * 2)
        rows = stored(client)
        assert [r["id"] for r in rows] == [4, 5, 6, 7]
        assert [r["activity"]["action"] for r in rows] == ["a", "a", "b", "b"]
        found = {p["profileId"]: p["activityIds"] for p in client.get("/api/profiles").json()}
        assert found == {
            f"demo:sessionid:{SESSION_A}": [4, 5],
            f"demo:sessionid:{SESSION_B}": [6, 7],
        }


def test_a_version_1_file_is_stitched_on_open(data_dir: Path) -> None:
    """A database written before profiles were stored is migrated and stitched once."""
    data_dir.mkdir()
    with sqlite3.connect(data_dir / "collector.sqlite3") as conn:
        conn.execute(
            "CREATE TABLE activities (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at TEXT,"
            " tracker_key TEXT, wire TEXT, sessionid TEXT, ecommerceid TEXT)"
        )
        for session, ecommerce in [("s1", None), ("s1", "c1"), ("s2", None)]:
            ids = {"sessionid": session} | ({"ecommerceid": ecommerce} if ecommerce else {})
            wire = json.dumps({"action": "view", "target": {}, "user": {"identities": ids}})
            conn.execute(
                "INSERT INTO activities (received_at, tracker_key, wire, sessionid, ecommerceid)"
                " VALUES ('2026-01-01T00:00:00.000Z', 'demo', ?, ?, ?)",
                (wire, session, ecommerce),
            )
        conn.execute("PRAGMA user_version=1")
    store = ActivityStore(data_dir)
    assert [p.to_json() for p in store.profiles()] == [p.to_json() for p in stitch(store.all())]
    assert [p.profile_id for p in store.profiles()] == ["demo:ecommerceid:c1", "demo:sessionid:s2"]
