"""The whole happy flow of the demo storefront against the real demo server.

Anonymous browsing → login → more browsing, cart, purchase → logout (no reload) → browsing.
Then the collector's stitched profiles must show ONE customer profile holding the anonymous and
the logged-in activities of the first session, and the post-logout activities in a new session,
an anonymous profile of its own. The purchases are confirmed server-side (``/api/checkout``
through ``xo_web.server``, never posted by the browser) with the session id of the
``attraqtsessionid`` cookie, and land in the same customer's timeline. No request may leave
127.0.0.1.

Set ``XO_WEB_SCREENSHOTS=docs/screenshots`` to also save the screenshots of docs/demo.md.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from demo.server import load_catalog
from tests.e2e.conftest import DemoServer
from tests.support.browser import Network, wait_for

CUSTOMER = "cust-ada"
PRICES = {p["id"]: p["price"] for p in load_catalog()["products"]}
ANONYMOUS_COUNT = 8  # see the comments in the test: what each step sends
LOGGED_IN_COUNT = 19
AFTER_LOGOUT_COUNT = 4
SCREENSHOTS = os.environ.get("XO_WEB_SCREENSHOTS")


def wait_for_activities(page: Page, server: DemoServer, count: int, timeout_ms: int = 20_000):
    """Poll the collector (waiting inside Playwright) until it stored ``count`` activities."""
    waited = 0
    while True:
        rows: list[dict[str, Any]] = server.get_json("/api/activities")
        if len(rows) >= count:
            return rows
        if waited >= timeout_ms:
            stored = [(r["activity"]["action"], r["activity"]["target"]) for r in rows]
            raise AssertionError(f"expected {count} activities, got {len(rows)}: {stored}")
        page.wait_for_timeout(100)
        waited += 100


def session_id(page: Page) -> str:
    """The SDK's session id, read through the JS API (the panel must agree)."""
    sid: str = page.evaluate("window.xo.activity.getSessionId()")
    expect(page.locator("#xo-session")).to_have_text(sid)
    return sid


def panel_identities(page: Page) -> dict[str, str]:
    """The identities the user panel shows."""
    shown: dict[str, str] = json.loads(page.locator("#xo-identities").inner_text())
    return shown


def open_tile(page: Page, product_id: str, scope: str = "") -> None:
    """Click a product tile (sends click + view) and wait for the product page."""
    page.locator(f'{scope} [data-click-product="{product_id}"]'.strip()).first.click()
    expect(page).to_have_url(f"{page.evaluate('location.origin')}/product/{product_id}")
    expect(page.locator("#app h1")).to_be_visible()


def shot(page: Page, name: str) -> None:
    """Save a screenshot for the docs when XO_WEB_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        page.wait_for_timeout(500)  # let the panel list the latest outcomes
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name))


def summary(rows: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """(action, product, path or consent state) counts of stored activities."""
    out: Counter[tuple[str, str]] = Counter()
    for row in rows:
        target = row["activity"]["target"]
        what = target.get("product") or target.get("pathToPage") or target.get("state")
        out[(row["activity"]["action"], what)] += 1
    return out


def test_happy_flow_is_stitched_into_one_customer_profile(
    page: Page, demo_server: DemoServer, network: Network, boot_timeout_ms: int
) -> None:
    origin = demo_server.origin
    documents: list[str] = []
    page_errors: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else None)
    browser_sent: list[str] = []  # what the page itself posted (to the relay)
    page.on(
        "request",
        lambda r: browser_sent.append(r.post_data or "") if "/xo-relay/" in r.url else None,
    )
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    websockets: list[str] = []  # e.g. an unpatched urllib: Emscripten emulates sockets with them
    page.on("websocket", lambda ws: websockets.append(ws.url))
    page.set_viewport_size({"width": 1280, "height": 860})

    # -- consent, anonymous browsing (8 activities) ----------------------------------------
    page.goto(origin + "/")
    wait_for(page, "window.demoReady === true", boot_timeout_ms)  # view /, held: no consent yet
    expect(page.locator("#xo-consent")).to_have_text("pending")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('attraqt'))") == []
    assert demo_server.get_json("/api/activities") == []
    assert page.context.cookies() == []  # nor the session cookie
    page.locator(".cmp-banner [data-cmp=accept]").click()  # the held view /, consent granted
    expect(page.locator("#xo-consent")).to_have_text("granted")
    page.evaluate("window.__noReload = 'still here'")
    anonymous_session = session_id(page)
    assert panel_identities(page) == {"sessionid": anonymous_session}
    expect(page.locator(".tile")).to_have_count(len(PRICES))

    open_tile(page, "p-1")  # click p-1, view p-1
    expect(page.locator("#app h1")).to_have_text("Linen Shirt")
    page.go_back()  # popstate: view /
    expect(page).to_have_url(origin + "/")
    expect(page.locator(".hero h1")).to_be_visible()
    open_tile(page, "p-2")  # click p-2, view p-2
    page.locator("#account a").click()  # view /login
    expect(page).to_have_url(origin + "/login")
    wait_for_activities(page, demo_server, ANONYMOUS_COUNT)

    # -- login, more browsing, cart, purchase (19 activities) ------------------------------
    page.locator("#login-name").fill("Ada")
    page.locator("#login-form button[type=submit]").click()  # back to p-2: view p-2
    expect(page).to_have_url(origin + "/product/p-2")
    expect(page.locator("#account .who")).to_have_text("Ada")
    assert panel_identities(page) == {"sessionid": anonymous_session, "ecommerceid": CUSTOMER}
    assert session_id(page) == anonymous_session  # logging in keeps the session

    page.locator("[data-js-save]").click()  # page JavaScript: save-for-later p-2
    expect(page.locator("[data-js-save]")).to_have_text("♥ Saved")
    page.locator(".topnav a", has_text="Shop").click()  # view /
    open_tile(page, "p-4")  # click p-4, view p-4
    add = page.locator('button[data-action="add"]')
    add.click()  # add-to-cart p-4
    add.click()  # add-to-cart p-4
    expect(page.locator("#cart-count")).to_have_text("2")
    expect(page.locator("#xo-log li").first).to_contain_text("add-to-cart p-4")
    shot(page, "storefront.png")
    open_tile(page, "p-3", ".grid.small")  # click p-3, view p-3
    add.click()  # add-to-cart p-3
    open_tile(page, "p-1", ".grid.small")  # click p-1, view p-1
    add.click()  # add-to-cart p-1
    expect(page.locator("#cart-count")).to_have_text("4")
    page.locator(".cart-link").click()  # view /cart
    expect(page).to_have_url(origin + "/cart")
    page.locator('button[data-action="remove"][data-product="p-1"]').click()  # remove p-1
    expect(page.locator(".line")).to_have_count(2)
    page.locator('a[href="/checkout"]').click()  # view /checkout
    expect(page.locator("#app")).to_contain_text(f"Ordering as Ada ({CUSTOMER})")
    cookie = [c for c in page.context.cookies() if c["name"] == "attraqtsessionid"]
    assert [(c["value"], c["sameSite"], c["path"]) for c in cookie] == [
        (anonymous_session, "Lax", "/")
    ]
    page.locator('button[data-action="purchase"]').click()  # 2 purchases (server), view /order/<id>
    order_id = page.locator("[data-order-id]").get_attribute("data-order-id")
    assert order_id
    assert order_id.startswith("ord-")
    expect(page).to_have_url(f"{origin}/order/{order_id}")
    expect(page.locator("#cart-count")).to_be_hidden()
    wait_for_activities(page, demo_server, ANONYMOUS_COUNT + LOGGED_IN_COUNT)

    # -- logout without a reload, then browse on (4 activities) ----------------------------
    page.locator('#account button[data-action="logout"]').click()  # view / (new session)
    expect(page.locator("#account a")).to_have_text("Log in")
    assert page.evaluate("window.__noReload") == "still here"
    new_session = session_id(page)
    assert new_session != anonymous_session
    assert panel_identities(page) == {"sessionid": new_session}
    open_tile(page, "p-5")  # click p-5, view p-5
    page.locator(".cart-link").click()  # view /cart
    expect(page.locator("#app h1")).to_have_text("Your cart is empty")
    total = ANONYMOUS_COUNT + LOGGED_IN_COUNT + AFTER_LOGOUT_COUNT
    wait_for_activities(page, demo_server, total)
    page.wait_for_timeout(300)  # nothing more (no duplicate) may arrive
    rows: list[dict[str, Any]] = demo_server.get_json("/api/activities")
    assert len(rows) == total, summary(rows)
    # The page sends through the relay; the purchases come from the shop's backend (xo_web.server).
    assert {r["via"] for r in rows if r["activity"]["action"] != "purchase"} == {"1.1 xo-web-relay"}
    assert {r["via"] for r in rows if r["activity"]["action"] == "purchase"} == {None}
    assert page.evaluate("window.__noReload") == "still here"
    assert documents == [origin + "/"], "the SPA reloaded or left the page"

    # -- what the collector stored ---------------------------------------------------------
    first = [r for r in rows if r["sessionId"] == anonymous_session]
    second = [r for r in rows if r["sessionId"] == new_session]
    assert len(first) + len(second) == total
    anonymous_rows = [r for r in first if r["ecommerceId"] is None]
    logged_in_rows = [r for r in first if r["ecommerceId"] == CUSTOMER]
    assert len(anonymous_rows) == ANONYMOUS_COUNT
    assert len(logged_in_rows) == LOGGED_IN_COUNT
    assert len(second) == AFTER_LOGOUT_COUNT

    assert summary(anonymous_rows) == Counter(
        {
            ("consent", "granted"): 1,
            ("view", "/"): 2,
            ("click", "p-1"): 1,
            ("view", "p-1"): 1,
            ("click", "p-2"): 1,
            ("view", "p-2"): 1,
            ("view", "/login"): 1,
        }
    )
    assert summary(logged_in_rows) == Counter(
        {
            ("view", "p-2"): 1,
            ("save-for-later", "p-2"): 1,
            ("view", "/"): 1,
            ("click", "p-4"): 1,
            ("view", "p-4"): 1,
            ("add-to-cart", "p-4"): 2,
            ("click", "p-3"): 1,
            ("view", "p-3"): 1,
            ("add-to-cart", "p-3"): 1,
            ("click", "p-1"): 1,
            ("view", "p-1"): 1,
            ("add-to-cart", "p-1"): 1,
            ("view", "/cart"): 1,
            ("remove-from-cart", "p-1"): 1,
            ("view", "/checkout"): 1,
            ("purchase", "p-4"): 1,
            ("purchase", "p-3"): 1,
            ("view", f"/order/{order_id}"): 1,
        }
    )
    assert summary(second) == Counter(
        {("view", "/"): 1, ("click", "p-5"): 1, ("view", "p-5"): 1, ("view", "/cart"): 1}
    )

    for row in rows:  # the wire format a real XO integration sends
        activity = row["activity"]
        assert row["trackerKey"] == "demo"
        assert "timestamp" not in activity
        assert activity["user"]["identities"]["sessionid"] == row["sessionId"]
        if activity["action"] == "consent":
            assert activity["target"] == {"state": "granted", "platform": "tcf"}
        if activity["action"] == "view":
            assert set(activity["target"]) in ({"product"}, {"pathToPage"})
    for row in logged_in_rows:
        user = row["activity"]["user"]
        if row["activity"]["action"] == "purchase":  # the backend's user: the cookie's session
            assert user["identities"] == {"sessionid": anonymous_session, "ecommerceid": CUSTOMER}
            continue
        assert user["segments"] == ["members"]
        assert user["traits"] == {"loyaltyTier": "silver"}
    sent_by_browser = [a["action"] for body in browser_sent for a in json.loads(body)]
    assert "purchase" not in sent_by_browser  # confirmed server-side, through xo_web.server
    assert len(sent_by_browser) == total - 2
    for row in anonymous_rows + second:
        user = row["activity"]["user"]
        assert user["identities"] == {"sessionid": row["sessionId"]}
        assert not user.get("segments")
        assert not user.get("traits")

    cart_rows = [r["activity"] for r in rows if r["activity"]["action"].endswith("-cart")]
    assert len(cart_rows) == 5
    for activity in cart_rows:
        product = activity["target"]["product"]
        assert activity["metadata"] == {"price": PRICES[product], "quantity": 1, "currency": "EUR"}
        assert isinstance(activity["metadata"]["price"], int)
    purchases = {
        r["activity"]["target"]["product"]: r["activity"]["metadata"]
        for r in rows
        if r["activity"]["action"] == "purchase"
    }
    assert purchases == {
        "p-4": {"orderId": order_id, "price": PRICES["p-4"], "quantity": 2, "currency": "EUR"},
        "p-3": {"orderId": order_id, "price": PRICES["p-3"], "quantity": 1, "currency": "EUR"},
    }

    # -- the stitched profiles -------------------------------------------------------------
    profiles: list[dict[str, Any]] = demo_server.get_json("/api/profiles")
    assert len(profiles) == 2, profiles
    customer = next(p for p in profiles if p["ecommerceId"] == CUSTOMER)
    assert customer["anonymous"] is False
    assert customer["sessionIds"] == [anonymous_session]
    assert sorted(customer["activityIds"]) == sorted(r["id"] for r in first)
    assert customer["activities"] == ANONYMOUS_COUNT + LOGGED_IN_COUNT
    assert customer["identities"]["ecommerceid"] == CUSTOMER
    assert customer["segments"] == ["members"]
    assert customer["traits"] == {"loyaltyTier": "silver"}

    visitor = next(p for p in profiles if p is not customer)
    assert visitor["anonymous"] is True
    assert visitor["ecommerceId"] is None
    assert visitor["sessionIds"] == [new_session]
    assert sorted(visitor["activityIds"]) == sorted(r["id"] for r in second)
    assert "ecommerceid" not in visitor["identities"]
    assert not set(visitor["activityIds"]) & set(customer["activityIds"])

    assert page_errors == []
    assert console_errors == []
    assert websockets == []

    if SCREENSHOTS:  # the inspector after the flow
        page.goto(origin + "/inspector")
        expect(page.locator("#activity-count")).to_have_text(str(total))
        expect(page.locator("#profile-count")).to_have_text("2")
        page.set_viewport_size({"width": 1600, "height": 1000})
        page.wait_for_timeout(1500)  # let the "fresh" row highlight fade
        shot(page, "inspector.png")
