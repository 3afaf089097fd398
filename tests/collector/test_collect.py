"""POST /collect/{tracker_key}: what is accepted, stored and answered."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
from starlette.testclient import TestClient

from .helpers import SESSION_A, make_activity, stored

Post = Callable[..., httpx.Response]


def test_single_activity_object_is_stored(client: TestClient, post: Post) -> None:
    """A body holding one activity object is answered 200 and stored as one row."""
    response = post(make_activity("view", {"product": "sku-1"}))
    assert response.status_code == 200
    rows = stored(client)
    assert len(rows) == 1
    assert rows[0]["activity"]["action"] == "view"
    assert rows[0]["activity"]["target"] == {"product": "sku-1"}
    assert rows[0]["sessionId"] == SESSION_A
    assert rows[0]["trackerKey"] == "demo"


def test_array_body_stores_every_activity_in_order(client: TestClient, post: Post) -> None:
    """A JSON array of activities is stored as one row each, in the order sent."""
    batch = [make_activity("view"), make_activity("add-to-cart"), make_activity("purchase")]
    assert post(batch).status_code == 200
    assert [row["activity"]["action"] for row in stored(client)] == [
        "view",
        "add-to-cart",
        "purchase",
    ]


def test_response_describes_the_stitched_profile(post: Post) -> None:
    """The 200 body is {"profiles": {...}} describing the profile of the batch's identities."""
    response = post([make_activity("view"), make_activity("click", ecommerce="cust-42")])
    assert response.json() == {
        "profiles": {
            "demo:ecommerceid:cust-42": {
                "identities": {"sessionid": SESSION_A, "ecommerceid": "cust-42"},
                "sessionIds": [SESSION_A],
                "activities": 2,
            }
        }
    }


def test_unknown_tracker_key_is_401_with_xo_error_body(client: TestClient, post: Post) -> None:
    """An unknown tracker key gets 401 and exactly the XO error body, and nothing is stored."""
    response = post(make_activity(), key="not-a-key")
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "message": "Unknown tracker key"}
    assert stored(client) == []


def test_extra_tracker_keys_are_accepted(app_factory: Callable[..., Any]) -> None:
    """A key passed in tracker_keys is accepted and stored under that key."""
    with TestClient(app_factory(tracker_keys={"shop-1"})) as client:
        response = client.post("/collect/shop-1", json=make_activity())
        assert response.status_code == 200
        assert stored(client)[0]["trackerKey"] == "shop-1"
        assert client.post("/collect/demo", json=make_activity()).status_code == 401


def test_malformed_json_is_400_and_nothing_stored(client: TestClient, post: Post) -> None:
    """A body that is not JSON gets 400 with an XO error body and stores nothing."""
    response = post(raw=b'{"action": "view", "target": {')
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert "Malformed JSON" in body["message"]
    assert stored(client) == []


def test_empty_body_is_400(client: TestClient, post: Post) -> None:
    """An empty body gets 400 and stores nothing."""
    response = post(raw=b"")
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert stored(client) == []


def test_invalid_utf8_is_400(client: TestClient, post: Post) -> None:
    """A body that is not UTF-8 gets 400 and stores nothing."""
    response = post(raw=b'{"action": "\xff\xfe", "target": {}}')
    assert response.status_code == 400
    assert stored(client) == []


def test_missing_action_is_rejected_naming_the_field(client: TestClient, post: Post) -> None:
    """An activity without action is refused with 422 and a message naming ``action``."""
    activity = make_activity()
    del activity["action"]
    response = post(activity)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "Unprocessable Entity"
    assert "action" in body["field"]
    assert "action" in body["message"]
    assert stored(client) == []


def test_nested_target_value_is_rejected_naming_the_field(client: TestClient, post: Post) -> None:
    """A target whose value is an object (not a string) is refused naming ``target``."""
    response = post(make_activity("view", {"product": {"sku": "1"}}))
    assert response.status_code == 422
    assert "target" in response.json()["field"]
    assert "target" in response.json()["message"]
    assert stored(client) == []


def test_nan_is_rejected(client: TestClient, post: Post) -> None:
    """A NaN number (not valid JSON) in the metadata is refused with 400."""
    response = post(make_activity("purchase", metadata={"price": float("nan")}))
    assert b"NaN" in response.request.content
    assert response.status_code == 400
    assert "NaN" in response.json()["message"]
    assert stored(client) == []


def test_infinity_is_rejected(client: TestClient, post: Post) -> None:
    """An Infinity number (not valid JSON) is refused with 400."""
    response = post(raw=b'{"action": "view", "target": {}, "metadata": {"price": -Infinity}}')
    assert response.status_code == 400
    assert stored(client) == []


def test_empty_array_is_rejected(client: TestClient, post: Post) -> None:
    """An empty array is not a batch: 4xx and nothing stored."""
    response = post([])
    assert 400 <= response.status_code < 500
    assert stored(client) == []


def test_one_invalid_activity_rejects_the_whole_batch(client: TestClient, post: Post) -> None:
    """A batch with one invalid activity is refused whole, naming the faulty item."""
    bad = make_activity()
    del bad["target"]
    response = post([make_activity(), bad])
    assert response.status_code == 422
    assert "target" in response.json()["field"]
    assert stored(client) == []


def test_scalar_body_is_rejected(client: TestClient, post: Post) -> None:
    """A JSON scalar body (neither object nor array) gets a 4xx, never a 500."""
    for raw in (b"42", b'"view"', b"null", b"true"):
        response = post(raw=raw)
        assert 400 <= response.status_code < 500, raw
    assert stored(client) == []


def test_deeply_nested_json_is_a_client_error(client: TestClient, post: Post) -> None:
    """A pathologically nested document gets a 4xx, never a 500."""
    depth = 100_000
    response = post(raw=b"[" * depth + b"]" * depth)
    assert response.status_code == 400
    assert stored(client) == []


def test_unknown_top_level_keys_pass_through(client: TestClient, post: Post) -> None:
    """Top-level keys the schema does not know are stored unchanged."""
    assert post(make_activity(customField="kept")).status_code == 200
    assert stored(client)[0]["activity"]["customField"] == "kept"


def test_identity_repository_names_are_stored_lower_case(client: TestClient, post: Post) -> None:
    """Identities sent as SessionId/EcommerceId are indexed under their lower-case names."""
    activity = make_activity()
    activity["user"]["identities"] = {"SessionId": SESSION_A, "EcommerceId": "cust-9"}
    assert post(activity).status_code == 200
    row = stored(client)[0]
    assert row["sessionId"] == SESSION_A
    assert row["ecommerceId"] == "cust-9"


def test_non_json_content_type_is_415(client: TestClient, post: Post) -> None:
    """A body declared as form data gets 415 and stores nothing."""
    response = post(make_activity(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert response.json()["error"] == "Unsupported Media Type"
    assert stored(client) == []


def test_json_content_type_with_charset_is_accepted(post: Post) -> None:
    """``application/json; charset=utf-8`` is JSON too."""
    response = post(make_activity(), headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200


def test_declared_oversized_body_is_413(app_factory: Callable[..., Any]) -> None:
    """A Content-Length above max_body_bytes gets 413 and nothing is stored."""
    with TestClient(app_factory(max_body_bytes=1024)) as client:
        big = make_activity(target={"product": "x" * 2000})
        response = client.post("/collect/demo", json=big)
        assert response.status_code == 413
        assert response.json()["error"] == "Payload Too Large"
        assert stored(client) == []


def test_body_at_the_limit_is_accepted(app_factory: Callable[..., Any]) -> None:
    """A body of exactly max_body_bytes is accepted."""
    raw = json.dumps(make_activity()).encode()
    with TestClient(app_factory(max_body_bytes=len(raw))) as client:
        response = client.post(
            "/collect/demo", content=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 200


def test_method_not_allowed_is_a_json_error(client: TestClient) -> None:
    """GET on the collect endpoint gets 405 with an XO-style JSON error body."""
    response = client.get("/collect/demo")
    assert response.status_code == 405
    assert response.json()["error"] == "Method Not Allowed"
