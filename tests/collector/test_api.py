"""The read APIs, the inspector page, CORS, fault injection and the static-routes seam."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx2 as httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from .helpers import SESSION_A, SESSION_B, SESSION_C, STOREFRONT, make_activity, stored

Post = Callable[..., httpx.Response]


def test_activities_since_returns_only_newer_rows_newest_last(
    client: TestClient, post: Post
) -> None:
    """GET /api/activities?since=ID lists the rows after ID, oldest first (newest last)."""
    post([make_activity("a"), make_activity("b"), make_activity("c")])
    rows = client.get("/api/activities", params={"since": 1}).json()
    assert [(r["id"], r["activity"]["action"]) for r in rows] == [(2, "b"), (3, "c")]
    assert set(rows[0]) == {
        "id",
        "receivedAt",
        "trackerKey",
        "sessionId",
        "ecommerceId",
        "via",
        "activity",
    }


def test_activities_since_rejects_a_non_integer(client: TestClient) -> None:
    """A since that is not a non-negative integer gets 400 with an XO error body."""
    response = client.get("/api/activities", params={"since": "-1"})
    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


def test_profiles_api_stitches_login_and_keeps_post_logout_session_apart(
    client: TestClient, post: Post
) -> None:
    """Anonymous -> login -> logout -> anonymous over HTTP: one customer, post-logout apart."""
    post(make_activity("view", session=SESSION_A))  # 1 anonymous
    post(make_activity("add-to-cart", session=SESSION_A))  # 2 anonymous
    post(make_activity("login", session=SESSION_A, ecommerce="cust-42"))  # 3 login
    post(make_activity("purchase", session=SESSION_A, ecommerce="cust-42"))  # 4
    post(make_activity("view", session=SESSION_B))  # 5 after logout
    post(make_activity("view", session=SESSION_C))  # 6 another visitor
    profiles = {p["profileId"]: p for p in client.get("/api/profiles").json()}
    assert set(profiles) == {
        "demo:ecommerceid:cust-42",
        f"demo:sessionid:{SESSION_B}",
        f"demo:sessionid:{SESSION_C}",
    }
    customer = profiles["demo:ecommerceid:cust-42"]
    assert customer["activityIds"] == [1, 2, 3, 4]
    assert customer["sessionIds"] == [SESSION_A]
    assert customer["ecommerceId"] == "cust-42"
    assert customer["anonymous"] is False
    after_logout = profiles[f"demo:sessionid:{SESSION_B}"]
    assert after_logout["activityIds"] == [5]
    assert after_logout["ecommerceId"] is None


def test_collect_response_names_only_the_batch_profiles(post: Post) -> None:
    """The collect response describes the profiles of the batch, not every profile."""
    post(make_activity(session=SESSION_B))
    response = post(make_activity(session=SESSION_A))
    assert list(response.json()["profiles"]) == [f"demo:sessionid:{SESSION_A}"]


def test_inspector_is_self_contained_html(client: TestClient) -> None:
    """GET /inspector serves HTML whose scripts and styles all come from the same origin."""
    response = client.get("/inspector")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    for asset in re.findall(r"(?:src|href)=\"(/[^\"]+)\"", html):
        assert client.get(asset).status_code == 200, asset
    script = client.get("/inspector.js").text
    assert "/api/activities" in script
    assert "/api/profiles" in script
    assert "innerHTML" not in script


def test_inspector_is_served_under_a_strict_csp(client: TestClient) -> None:
    """The inspector page forbids inline and foreign scripts through its CSP header."""
    csp = client.get("/inspector").headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self'" in csp


def test_cors_preflight_allows_the_sdk_headers(client: TestClient) -> None:
    """An OPTIONS preflight from the storefront origin allows POST, Content-Type and X-SDK."""
    response = client.options(
        "/collect/demo",
        headers={
            "Origin": STOREFRONT,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-sdk",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == STOREFRONT
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed
    assert "x-sdk" in allowed


def test_cors_preflight_from_a_foreign_origin_is_refused(client: TestClient) -> None:
    """A preflight from an origin not in allowed_origins gets no allow-origin header."""
    response = client.options(
        "/collect/demo",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_cors_response_exposes_retry_after(post: Post) -> None:
    """A cross-origin POST answer carries the allow-origin header and exposes Retry-After."""
    response = post(make_activity(), headers={"Origin": STOREFRONT})
    assert response.headers["access-control-allow-origin"] == STOREFRONT
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()


def test_cors_headers_are_on_error_responses_too(post: Post) -> None:
    """A 401 to the storefront origin still carries CORS headers, so the SDK can read it."""
    response = post(make_activity(), key="nope", headers={"Origin": STOREFRONT})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == STOREFRONT


def test_injected_fault_answers_with_status_and_retry_after(client: TestClient, post: Post) -> None:
    """POST /api/faults makes the next collect fail with that status and Retry-After, once."""
    armed = client.post("/api/faults", json={"status": 503, "count": 1, "retryAfter": 2})
    assert armed.json() == {"pending": [{"status": 503, "retryAfter": 2}]}
    failed = post(make_activity())
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "2"
    assert failed.json()["error"] == "Service Unavailable"
    assert stored(client) == []
    assert post(make_activity()).status_code == 200
    assert len(stored(client)) == 1


def test_fault_request_is_validated(client: TestClient) -> None:
    """A fault with a non-error status is refused with 422 naming the field."""
    response = client.post("/api/faults", json={"status": 200})
    assert response.status_code == 422
    assert response.json()["field"] == "status"


def test_health_reports_the_activity_count(client: TestClient, post: Post) -> None:
    """GET /api/health answers ok with the number of stored activities."""
    post([make_activity(), make_activity()])
    assert client.get("/api/health").json() == {"status": "ok", "activities": 2}


def test_static_routes_are_appended_after_the_collector_routes(
    app_factory: Callable[..., Starlette],
) -> None:
    """Routes passed as static_routes are served, and cannot shadow the collector's routes."""

    async def page(request: object) -> PlainTextResponse:
        return PlainTextResponse("storefront")

    routes = [Route("/", page), Route("/api/profiles", page), Route("/shop", page)]
    with TestClient(app_factory(static_routes=routes)) as client:
        assert client.get("/shop").text == "storefront"
        assert client.get("/").text == "storefront"
        assert client.get("/api/profiles").json() == []


def test_unknown_path_outside_the_api_is_plain_404(client: TestClient) -> None:
    """A 404 outside /collect and /api is plain text (left for the storefront to style)."""
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
