"""Incremental stitching: a POST's SQLite work does not grow with the table, same profiles."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.testclient import TestClient

from demo.collector.stitching import stitch
from demo.collector.store import ActivityStore

from .helpers import SESSION_A, make_activity

CUSTOMER = "cust-big"


def vm_steps_of_one_post(client: TestClient, store: ActivityStore) -> int:
    """SQLite virtual-machine steps (in units of 10) spent on one POST of 3 activities."""
    steps = 0

    def tick() -> int:
        nonlocal steps
        steps += 1
        return 0

    def instrument(conn: sqlite3.Connection) -> None:
        conn.set_progress_handler(tick, 10)

    batch = [make_activity("view", session=SESSION_A, ecommerce=CUSTOMER) for _ in range(3)]
    store.on_connect = instrument
    try:
        assert client.post("/collect/demo", json=batch).status_code == 200
    finally:
        store.on_connect = None
    return steps


def test_post_work_does_not_grow_with_the_table(app_factory: Callable[..., Starlette]) -> None:
    """A POST into a 6,000-row table (4,000 in its own profile) costs what it costs at 10 rows."""
    app = app_factory()
    store: ActivityStore = app.state.store
    with TestClient(app) as client:
        store.add("demo", [make_activity(session=SESSION_A, ecommerce=CUSTOMER)] * 10)
        small = vm_steps_of_one_post(client, store)
        for start in range(0, 4000, 500):
            store.add("demo", [make_activity(session=SESSION_A, ecommerce=CUSTOMER)] * 500)
            others = [make_activity(session=f"s-{start}-{i}") for i in range(250)]
            store.add("demo", others)
        assert store.count() > 6000
        big = vm_steps_of_one_post(client, store)
    assert big <= small * 1.5, (small, big)


def random_batches(rng: random.Random) -> list[list[dict[str, object]]]:
    """Batches over a few sessions and customers: logins, logouts, account switches, traits."""
    batches = []
    for _ in range(60):
        batch = []
        for _ in range(rng.randint(1, 4)):
            activity = make_activity(
                rng.choice(["view", "click", "purchase"]),
                session=rng.choice(["s1", "s2", "s3", "s4", None]),
                ecommerce=rng.choice([None, None, None, "a", "b"]),
            )
            user = activity["user"]
            if rng.random() < 0.3:
                user["segments"] = rng.sample(["new", "vip", "eu", "b2b"], 2)
            if rng.random() < 0.3:
                user["traits"] = {rng.choice(["age", "tier"]): rng.randint(1, 9)}
            if rng.random() < 0.2:
                user["identities"]["crmid"] = rng.choice(["c1", "c2"])
            if not user["identities"]:
                del activity["user"]
            batch.append(activity)
        batches.append(batch)
    return batches


def test_incremental_profiles_match_the_reference_stitching(client: TestClient) -> None:
    """Profiles built batch by batch equal stitching.stitch() over all rows (random histories)."""
    store: ActivityStore = client.app.state.store  # type: ignore[attr-defined]
    for seed in range(5):
        for batch in random_batches(random.Random(seed)):
            assert client.post("/collect/demo", json=batch).status_code == 200
        expected = [p.to_json() for p in stitch(store.all())]
        assert client.get("/api/profiles").json() == expected, seed
