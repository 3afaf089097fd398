"""Shared helpers for the demo collector tests."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

STOREFRONT = "http://127.0.0.1:8000"
JSON_HEADERS = {"Content-Type": "application/json", "X-SDK": "1"}
SESSION_A = "0f8fad5b-d9cb-469f-a165-70867728950e"
SESSION_B = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
SESSION_C = "3d813cbb-47fb-42ba-91df-831e1593ac29"


def make_activity(
    action: str = "view",
    target: dict[str, Any] | None = None,
    *,
    session: str | None = SESSION_A,
    ecommerce: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One wire-format activity whose user carries the given identities."""
    identities: dict[str, str] = {}
    if session is not None:
        identities["sessionid"] = session
    if ecommerce is not None:
        identities["ecommerceid"] = ecommerce
    activity: dict[str, Any] = {
        "action": action,
        "target": {"product": "sku-1"} if target is None else target,
        "user": {"identities": identities},
    }
    activity.update(extra)
    return activity


def stored(client: TestClient) -> list[dict[str, Any]]:
    """Everything the collector has stored, read through its API."""
    response = client.get("/api/activities")
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result
