"""The demo storefront's browser adapter: the one module that touches ``js`` and ``pyodide``.

PyScript runs this file (``index.html``, with ``pyscript.json``, which also copies the pure
package ``demo.storefront.shop`` into the browser's file system). It integrates xo_web the way
a real XO storefront would:

* ``activity.init("demo", collect_url=<origin>/xo-relay, session_cookie=True)`` once, at
  boot (the first-party relay on the shop's own origin, which passes the batches to the
  collector; the session id is mirrored into the ``attraqtsessionid`` cookie for the backend);
* a ``view`` on every page, ``click`` on product tiles, ``add-to-cart`` / ``remove-from-cart``
  (the dicts come from ``shop.activities``);
* the checkout is confirmed by the shop's backend (``POST /api/checkout``, demo/checkout.py),
  which sends one ``purchase`` per product through ``xo_web.server`` with this visitor's
  session id; only if the backend cannot be reached does the page send them itself;
* ``add_user_identity("ecommerceId", ...)`` at login and ``clear_user()`` at logout.

What is here is only wiring: the DOM, the History API (client-side routing, no reloads),
localStorage for the demo's own login, the event listeners and fetching the catalog. Routing,
the cart, the pages' HTML and the activities are the pure modules of ``shop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.request import urlopen

import js
import pyodide_http
from pyodide.ffi import create_proxy
from pyodide.http import pyfetch

from demo.storefront.shop import account, activities, routing, templates
from demo.storefront.shop.activities import Activity
from demo.storefront.shop.catalog import Catalog, parse_catalog_json
from demo.storefront.shop.state import Shop
from xo_web import activity

TRACKER_KEY = "demo"


def load_catalog(origin: str) -> Catalog:
    """Fetch ``/api/catalog`` with plain urllib (pyodide-http makes it work in the browser)."""
    # Route urllib through the browser's XMLHttpRequest. Unpatched, http.client would open a
    # raw socket, which Emscripten emulates with a WebSocket to the server: it fails.
    # (Idempotent; the bundle ships pyodide-http.)
    pyodide_http.patch_all()
    with urlopen(f"{origin}/api/catalog") as response:
        return parse_catalog_json(response.read())


class Storefront:
    """The page: renders :class:`Shop` into the DOM and turns events into actions and sends."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self._proxies: list[Any] = []  # keep the event proxies alive for the page's lifetime
        self._confirming: set[asyncio.Future[None]] = set()  # referenced until done

    # -- tracking ----------------------------------------------------------------------------

    def track(self, payload: Activity | list[Activity]) -> None:
        """Send activities (fire-and-forget) and log the outcome in the panel when it arrives."""
        items = payload if isinstance(payload, list) else [payload]
        labels = [activities.describe(item) for item in items]
        try:
            future = asyncio.ensure_future(activity.send(payload))
        except Exception as error:  # a rejected activity: show it, never break the page
            js.console.error(f"xo_web refused the activity: {error}")
            self.add_log([f"✗ {label}: {error}" for label in labels])
            return

        def done(task: asyncio.Future[Any]) -> None:
            outcome = None if task.cancelled() or task.exception() else task.result()
            status = getattr(outcome, "status", None)
            mark = "✓" if getattr(outcome, "ok", False) else "✗"
            shown = "not sent" if status is None else status
            self.add_log([f"{mark} {label} → {shown}" for label in labels])

        future.add_done_callback(done)

    def add_log(self, lines: list[str]) -> None:
        """Remember the latest sends and show them in the panel."""
        self.shop.remember(lines)
        self.render_panel()

    # -- rendering ---------------------------------------------------------------------------

    def render_header(self) -> None:
        """Cart badge and the login/logout control."""
        count = self.shop.cart.count()
        badge = js.document.getElementById("cart-count")
        badge.textContent = str(count)
        badge.hidden = count == 0
        js.document.getElementById("account").innerHTML = templates.account(self.shop.user_name)

    def render_panel(self) -> None:
        """The SDK state panel: session id, identities, segments, traits, recent activities."""
        user = templates.panel_user(activity.session_id, activity.user)
        js.document.getElementById("xo-user").innerHTML = user
        js.document.getElementById("xo-log").innerHTML = templates.panel_log(self.shop.log)

    def show(self, path: str) -> None:
        """Render ``path`` and send its ``view``."""
        route = routing.resolve(path, self.shop.products)
        js.document.title = f"{route.title} · XO demo shop"
        main = js.document.getElementById("app")
        main.innerHTML = templates.page(route, self.shop)
        main.setAttribute("data-path", path)
        self.render_header()
        js.window.scrollTo(0, 0)
        self.track(activities.view(path, route.product_id))
        self.render_panel()

    def rerender(self) -> None:
        """Re-render the current page without sending another ``view``."""
        route = routing.resolve(current_path(), self.shop.products)
        js.document.getElementById("app").innerHTML = templates.page(route, self.shop)
        self.render_header()
        self.render_panel()

    def navigate(self, path: str) -> None:
        """Client-side navigation: push a history entry, no reload."""
        if path != current_path():
            js.window.history.pushState(None, "", path)
        self.show(path)

    # -- actions -----------------------------------------------------------------------------

    def add_to_cart(self, product_id: str) -> None:
        """Add one item and send ``add-to-cart`` (nothing at the line's maximum)."""
        if self.shop.cart.add(product_id):
            self.track(activities.add_to_cart(self.shop.products[product_id]))
            self.rerender()

    def remove_from_cart(self, product_id: str) -> None:
        """Remove one item and send ``remove-from-cart``."""
        if self.shop.cart.remove(product_id):
            self.track(activities.remove_from_cart(self.shop.products[product_id]))
            self.rerender()

    def purchase(self) -> None:
        """Place the order: one ``purchase`` per product, in one request; then the confirmation."""
        if not self.shop.cart:
            return
        order_id = activities.new_order_id()
        lines = self.shop.cart.lines()
        customer = account.ecommerce_id_for(self.shop.user_name) if self.shop.user_name else None
        confirming = asyncio.ensure_future(self.confirm(order_id, lines, customer))
        self._confirming.add(confirming)
        confirming.add_done_callback(self._confirming.discard)
        self.shop.place_order(order_id)
        self.navigate(f"/order/{order_id}")

    async def confirm(
        self, order_id: str, lines: list[tuple[str, int]], customer: str | None
    ) -> None:
        """The backend records the purchases (with the session cookie); else the page sends them."""
        body = json.dumps({"orderId": order_id, "lines": lines, "customerId": customer})
        try:
            response = await pyfetch("/api/checkout", method="POST", body=body,
                                     headers={"Content-Type": "application/json"})  # fmt: skip
            confirmed = response.ok
        except Exception:  # the backend is unreachable: the browser sends the purchases
            confirmed = False
        if confirmed:
            labels = [f"purchase {pid}" for pid, _ in lines]
            self.add_log([f"✓ {label} → recorded by the server" for label in labels])
        else:
            self.track(activities.purchases(lines, self.shop.products, order_id))

    def identify(self, name: str) -> None:
        """Attach the logged-in customer to the SDK's user (identity, segment, trait)."""
        self.shop.user_name = name
        activity.add_user_identity(account.ECOMMERCE_REPOSITORY, account.ecommerce_id_for(name))
        activity.add_user_segment(account.MEMBER_SEGMENT)
        activity.add_user_trait(*account.MEMBER_TRAIT)

    def log_in(self, typed: str) -> None:
        """Identify the visitor: the e-commerce id joins the session id on every later activity."""
        name = account.clean_name(typed)
        if not name:
            return
        self.identify(name)
        with contextlib.suppress(Exception):  # storage may be blocked: login lasts for the tab
            js.window.localStorage.setItem(account.USER_STORAGE_KEY, name)
        self.navigate(self.shop.after_login())

    def log_out(self) -> None:
        """SPA logout: forget the user and start a new session id (no reload)."""
        self.shop.user_name = None
        self.shop.cart.clear()
        activity.clear_user()
        with contextlib.suppress(Exception):
            js.window.localStorage.removeItem(account.USER_STORAGE_KEY)
        self.navigate("/")

    def restore_login(self) -> None:
        """The page re-adds the remembered user's identity on each load."""
        with contextlib.suppress(Exception):
            remembered = js.window.localStorage.getItem(account.USER_STORAGE_KEY)
            if isinstance(remembered, str) and remembered.strip():
                self.identify(remembered)

    # -- events ------------------------------------------------------------------------------

    def on_click(self, event: Any) -> None:
        """One delegated click handler: links, product tiles and action buttons."""
        if event.defaultPrevented or event.button != 0:
            return
        if event.metaKey or event.ctrlKey or event.shiftKey or event.altKey:
            return  # let the browser open a new tab
        target = event.target
        if not hasattr(target, "closest"):  # a text node
            return
        element = target.closest("[data-action], a[data-link]")
        if is_null(element):
            return
        action = attribute(element, "data-action")
        product_id = attribute(element, "data-product") or ""
        event.preventDefault()
        if action is not None:
            self.act(action, product_id)
            return
        clicked = attribute(element, "data-click-product")
        if clicked:
            self.track(activities.click(clicked))
        path = str(js.URL.new(element.href).pathname)
        if path == "/login":
            self.shop.return_to = current_path()
        self.navigate(path)

    def act(self, action: str, product_id: str) -> None:
        """Run a button's ``data-action``."""
        if action == "add" and product_id in self.shop.products:
            self.add_to_cart(product_id)
        elif action == "remove" and product_id in self.shop.products:
            self.remove_from_cart(product_id)
        elif action == "purchase":
            self.purchase()
        elif action == "logout":
            self.log_out()

    def on_submit(self, event: Any) -> None:
        """The login form."""
        if event.target.id != "login-form":
            return
        event.preventDefault()
        self.log_in(str(js.document.getElementById("login-name").value))

    def on_popstate(self, _event: Any) -> None:
        """Back/forward: render the page from the URL (and send its view)."""
        self.show(current_path())

    def on_js_send(self, event: Any) -> None:
        """The page's JavaScript reports its own sends (``demo:sent``) for the panel's log."""
        detail = event.detail
        self.add_log([f"{'✓' if detail.ok else '✗'} {detail.label} → {detail.status} (JS)"])

    def listen(self) -> None:
        """Install the event listeners."""
        for target, name, handler in (
            (js.document, "click", self.on_click),
            (js.document, "submit", self.on_submit),
            (js.window, "popstate", self.on_popstate),
            (js.window, "demo:sent", self.on_js_send),
        ):
            proxy = create_proxy(handler)
            self._proxies.append(proxy)
            target.addEventListener(name, proxy)


def current_path() -> str:
    """The path of the page's URL."""
    return str(js.window.location.pathname)


def is_null(value: Any) -> bool:
    """True for Python None and for JavaScript null (``jsnull`` in Pyodide, not None)."""
    return value is None or type(value).__name__ == "JsNull"


def attribute(element: Any, name: str) -> str | None:
    """An element's attribute as a str, or None when it is absent (JS null)."""
    value = element.getAttribute(name)
    return value if isinstance(value, str) else None


def main() -> Storefront:
    """Boot: init the SDK, load the catalog, restore the login, listen, show the page."""
    origin = str(js.window.location.origin)
    activity.init(
        TRACKER_KEY, collect_url=f"{origin}/xo-relay", session_cookie=True, consent="required"
    )
    storefront = Storefront(Shop(products=load_catalog(origin)))
    storefront.restore_login()
    storefront.listen()
    storefront.show(current_path())
    js.window.demoReady = True
    return storefront


STOREFRONT = main()
