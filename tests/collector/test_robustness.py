"""The collector never answers 500 to client input, however odd."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
from starlette.testclient import TestClient

from .helpers import make_activity, stored

Post = Callable[..., httpx.Response]

WEIRD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**30,
    1.5,
    "",
    "x" * 300,
    "\u0000",
    "\ud83d\ude00",
    [],
    [None],
    {},
    {"": ""},
    {"a": {"b": {"c": [1, {"d": None}]}}},
]


def mutate(rng: random.Random, activity: dict[str, Any]) -> Any:
    """Replace or drop one field somewhere in the activity, or replace the whole thing."""
    choice = rng.random()
    if choice < 0.1:
        return rng.choice(WEIRD_VALUES)
    clone = json.loads(json.dumps(activity))
    containers: list[dict[str, Any]] = [clone, clone["target"], clone["user"]]
    containers.append(clone["user"]["identities"])
    container = rng.choice(containers)
    key = rng.choice([*container.keys(), "segments", "traits", "metadata", "opposite", "timestamp"])
    if choice < 0.3:
        container.pop(key, None)
    else:
        container[key] = rng.choice(WEIRD_VALUES)
    return clone


def test_randomly_mutated_activities_never_cause_a_500(client: TestClient, post: Post) -> None:
    """Hundreds of randomly broken activities get 200 or a 4xx JSON error, never a 500."""
    rng = random.Random(20260101)
    base = make_activity(
        "purchase",
        {"product": "sku-1"},
        ecommerce="cust-1",
        metadata={"price": 1999, "currency": "EUR", "quantity": 1},
    )
    base["user"]["segments"] = ["vip"]
    base["user"]["traits"] = {"age": 45}
    accepted = 0
    for _ in range(400):
        payload = mutate(rng, base)
        if rng.random() < 0.3:
            payload = [base, payload]
        response = post(payload)
        assert response.status_code < 500, (payload, response.text)
        body = response.json()
        if response.status_code == 200:
            accepted += len(payload) if isinstance(payload, list) else 1
        else:
            assert set(body) >= {"error", "message"}
    assert len(stored(client)) == accepted


def test_random_bytes_never_cause_a_500(client: TestClient, post: Post) -> None:
    """Random byte strings as bodies get a 4xx, never a 500, and store nothing."""
    rng = random.Random(7)
    for _ in range(200):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        response = post(raw=raw)
        assert 400 <= response.status_code < 500, raw
    assert stored(client) == []
