"""The demo storefront: a single-page shop written in Python, run by PyScript in the browser.

It integrates xo_web the way a real XO storefront would:

* ``activity.init("demo", collect_url=<origin>/collect)`` once, at boot;
* ``view`` on every page (``target.product`` on product pages, ``target.pathToPage`` elsewhere),
  ``click`` on product tiles, ``add-to-cart`` / ``remove-from-cart`` with price (integer cents),
  quantity and currency, one ``purchase`` per product at checkout with the order id;
* ``add_user_identity("ecommerceId", ...)`` at login and ``clear_user()`` at logout.

Routing is client-side (History API): links are intercepted, pages are rendered from Python,
the page never reloads. The panel on the right shows the SDK's user object after each action.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.request import urlopen

import js
import pyodide_http
from pyodide.ffi import create_proxy

from xo_web import activity

ORIGIN = str(js.window.location.origin)
TRACKER_KEY = "demo"
USER_STORAGE_KEY = "xo-demo-user"  # the demo's own login state (not the SDK's)
MAX_QUANTITY = 9
LOG_SIZE = 6

Activity = dict[str, Any]


# -- catalog ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """One product of the catalog (price in integer cents)."""

    id: str
    name: str
    category: str
    price: int
    currency: str
    description: str
    art: str
    hue: int


def load_catalog() -> dict[str, Product]:
    """Fetch ``/api/catalog`` with plain urllib (pyodide-http makes it work in the browser)."""
    # Route urllib through the browser's XMLHttpRequest. Unpatched, http.client would open a
    # raw socket, which Emscripten emulates with a WebSocket to the server: it fails.
    # (Idempotent; the bundle ships pyodide-http.)
    pyodide_http.patch_all()
    with urlopen(f"{ORIGIN}/api/catalog") as response:
        data = json.loads(response.read().decode("utf-8"))
    keys = Product.__dataclass_fields__
    products = [
        Product(**{k: v for k, v in item.items() if k in keys}) for item in data["products"]
    ]
    return {product.id: product for product in products}


def money(cents: int, currency: str = "EUR") -> str:
    """Format integer cents: ``€49.00``."""
    symbol = {"EUR": "€"}.get(currency, currency + " ")
    return f"{symbol}{cents // 100:,}.{cents % 100:02d}"


ART = {
    "shirt": '<path d="M40 28 52 22q8 9 16 0l12 6 14 14-10 10-6-5v51H42V47l-6 5-10-10z"/>',
    "jacket": (
        '<path d="M38 26 52 22 60 34 68 22 82 26 96 44 86 54 80 49v49H40V49l-6 5-10-10z"/>'
        '<path d="M60 34v64" stroke="#fff" stroke-opacity=".6" stroke-width="2"/>'
        '<rect x="46" y="56" width="10" height="8" rx="2" fill="#fff" fill-opacity=".35"/>'
    ),
    "sneaker": (
        '<path d="M18 72q2-20 16-22l18 6q8-10 16-6l22 12q12 4 12 14v4H18z"/>'
        '<rect x="16" y="80" width="88" height="8" rx="4" fill="#fff" fill-opacity=".8"/>'
    ),
    "beanie": (
        '<path d="M30 74q0-38 30-38t30 38z"/>'
        '<rect x="27" y="70" width="66" height="16" rx="5" fill-opacity=".75"/>'
        '<circle cx="60" cy="31" r="9"/>'
    ),
    "backpack": (
        '<path d="M48 36q0-12 12-12t12 12" fill="none" stroke="currentColor" stroke-width="5"/>'
        '<rect x="34" y="34" width="52" height="66" rx="14"/>'
        '<rect x="43" y="66" width="34" height="24" rx="6" fill="#fff" fill-opacity=".3"/>'
    ),
    "mug": (
        '<path d="M78 52q16 0 16 14t-16 14" fill="none" stroke="currentColor" stroke-width="6"/>'
        '<rect x="32" y="40" width="48" height="56" rx="8"/>'
        '<path d="M46 22q-4 6 0 10M58 20q-4 7 0 12" fill="none" stroke="currentColor" '
        'stroke-opacity=".4" stroke-width="3" stroke-linecap="round"/>'
    ),
    "lamp": (
        '<path d="M44 96h32" stroke="currentColor" stroke-width="8" stroke-linecap="round"/>'
        '<path d="M60 94 48 60l24-22" fill="none" stroke="currentColor" stroke-width="5"/>'
        '<path d="M62 22l30 8-10 26z"/>'
        '<circle cx="86" cy="52" r="5" fill="#fff6c8"/>'
    ),
    "glasses": (
        '<circle cx="40" cy="62" r="17"/><circle cx="80" cy="62" r="17"/>'
        '<path d="M56 58q4-5 8 0M23 58 14 50M97 58l9-8" fill="none" stroke="currentColor" '
        'stroke-width="4" stroke-linecap="round"/>'
    ),
}


DEFAULT_ART = '<circle cx="60" cy="60" r="30"/>'


def product_art(product: Product) -> str:
    """An inline SVG picture of the product (no image files, no external requests)."""
    hue = product.hue
    return (
        f'<svg class="art" viewBox="0 0 120 120" role="img" aria-label="{escape(product.name)}">'
        f'<rect width="120" height="120" rx="14" fill="hsl({hue} 70% 93%)"/>'
        f'<g fill="hsl({hue} 55% 45%)" color="hsl({hue} 55% 35%)">'
        f"{ART.get(product.art, DEFAULT_ART)}</g></svg>"
    )


# -- state -----------------------------------------------------------------------------------


@dataclass
class Shop:
    """Everything the page remembers between renders."""

    products: dict[str, Product]
    cart: dict[str, int] = field(default_factory=dict)
    user_name: str | None = None
    last_order: dict[str, Any] | None = None
    return_to: str = "/"
    log: list[str] = field(default_factory=list)

    def cart_count(self) -> int:
        """How many items are in the cart."""
        return sum(self.cart.values())

    def cart_total(self) -> int:
        """The cart's total in cents."""
        return sum(self.products[pid].price * qty for pid, qty in self.cart.items())


def ecommerce_id_for(name: str) -> str:
    """The demo's customer id for a login name: ``Ada Lovelace`` → ``cust-ada-lovelace``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return f"cust-{slug or 'guest'}"


# -- tracking --------------------------------------------------------------------------------


def track(payload: Activity | list[Activity]) -> None:
    """Send activities (fire-and-forget) and log the outcome in the panel when it arrives."""
    items = payload if isinstance(payload, list) else [payload]
    labels = [describe(item) for item in items]
    try:
        future = asyncio.ensure_future(activity.send(payload))
    except Exception as error:  # a rejected activity: show it, never break the page
        js.console.error(f"xo_web refused the activity: {error}")
        add_log([f"✗ {label}: {error}" for label in labels])
        return

    def done(task: asyncio.Future[Any]) -> None:
        outcome = None if task.cancelled() or task.exception() else task.result()
        status = getattr(outcome, "status", None)
        mark = "✓" if getattr(outcome, "ok", False) else "✗"
        shown = "not sent" if status is None else status
        add_log([f"{mark} {label} → {shown}" for label in labels])

    future.add_done_callback(done)


def describe(item: Activity) -> str:
    """A short label for the panel: ``add-to-cart p-2``."""
    target = item.get("target") or {}
    what = target.get("product") or target.get("pathToPage") or ""
    return f"{item.get('action')} {what}".strip()


def view_activity(path: str) -> Activity:
    """The ``view`` of a page: the product on product pages, the path everywhere else."""
    product_id = _product_id_of(path)
    if product_id is not None:
        return {"action": "view", "target": {"product": product_id}}
    return {"action": "view", "target": {"pathToPage": path}}


def cart_activity(action: str, product: Product, quantity: int) -> Activity:
    """An ``add-to-cart`` or ``remove-from-cart`` with price, quantity and currency."""
    return {
        "action": action,
        "target": {"product": product.id},
        "metadata": {"price": product.price, "quantity": quantity, "currency": product.currency},
    }


def purchase_activities(shop: Shop, order_id: str) -> list[Activity]:
    """One ``purchase`` per distinct product of the cart."""
    return [
        {
            "action": "purchase",
            "target": {"product": pid},
            "metadata": {
                "orderId": order_id,
                "price": shop.products[pid].price,
                "quantity": qty,
                "currency": shop.products[pid].currency,
            },
        }
        for pid, qty in shop.cart.items()
    ]


# -- pages -----------------------------------------------------------------------------------


def _product_id_of(path: str) -> str | None:
    match = re.fullmatch(r"/product/([^/]+)/?", path)
    return match.group(1) if match and match.group(1) in SHOP.products else None


def tile(product: Product) -> str:
    """A product tile of the grid (a click sends ``click``, then opens the product)."""
    return (
        f'<a class="tile" href="/product/{escape(product.id)}" data-link '
        f'data-click-product="{escape(product.id)}">{product_art(product)}'
        f'<span class="tile-name">{escape(product.name)}</span>'
        f'<span class="tile-meta"><span>{escape(product.category)}</span>'
        f"<strong>{money(product.price, product.currency)}</strong></span></a>"
    )


def page_home(category: str | None = None) -> str:
    """The catalog grid, optionally filtered by category."""
    categories = sorted({p.category for p in SHOP.products.values()})
    chips = "".join(
        f'<a class="chip{" active" if c == category else ""}" href="/category/{escape(c)}" '
        f"data-link>{escape(c)}</a>"
        for c in categories
    )
    chips = f'<a class="chip{"" if category else " active"}" href="/" data-link>all</a>' + chips
    products = [p for p in SHOP.products.values() if category in (None, p.category)]
    title = category.capitalize() if category else "New season essentials"
    return (
        f'<section class="hero"><h1>{escape(title)}</h1>'
        "<p>Every click on this page is an XO activity sent by Python running in your browser."
        f'</p></section><nav class="chips">{chips}</nav>'
        f'<div class="grid">{"".join(tile(p) for p in products)}</div>'
    )


def page_product(product: Product) -> str:
    """A product page with add-to-cart (Python) and save-for-later (page JavaScript)."""
    in_cart = SHOP.cart.get(product.id, 0)
    note = f'<p class="muted">{in_cart} in your cart</p>' if in_cart else ""
    others = [p for p in SHOP.products.values() if p.id != product.id][:4]
    return (
        '<a class="back" href="/" data-link>← All products</a>'
        f'<article class="product">{product_art(product)}<div class="product-info">'
        f'<p class="eyebrow">{escape(product.category)}</p><h1>{escape(product.name)}</h1>'
        f'<p class="price">{money(product.price, product.currency)}</p>'
        f"<p>{escape(product.description)}</p>"
        '<div class="actions">'
        f'<button class="primary" data-action="add" data-product="{escape(product.id)}">'
        "Add to cart</button>"
        f'<button class="ghost" data-js-save data-product="{escape(product.id)}" '
        'title="Sent from page JavaScript with window.xo.activity.send">♡ Save (JS API)</button>'
        f"</div>{note}</div></article>"
        f'<h2 class="related">You may also like</h2>'
        f'<div class="grid small">{"".join(tile(p) for p in others)}</div>'
    )


def page_cart() -> str:
    """The cart: quantities, remove, total, checkout."""
    if not SHOP.cart:
        return (
            '<section class="empty"><h1>Your cart is empty</h1>'
            '<a class="button primary" href="/" data-link>Continue shopping</a></section>'
        )
    rows = "".join(
        f'<li class="line">{product_art(SHOP.products[pid])}'
        f'<a href="/product/{escape(pid)}" data-link>{escape(SHOP.products[pid].name)}</a>'
        f'<span class="qty"><button data-action="remove" data-product="{escape(pid)}" '
        f'aria-label="Remove one">&minus;</button><b>{qty}</b>'
        f'<button data-action="add" data-product="{escape(pid)}" aria-label="Add one">+</button>'
        f"</span><strong>{money(SHOP.products[pid].price * qty)}</strong></li>"
        for pid, qty in SHOP.cart.items()
    )
    return (
        f'<h1>Cart</h1><ul class="lines">{rows}</ul>'
        f'<p class="total">Total <strong>{money(SHOP.cart_total())}</strong></p>'
        '<div class="actions end"><a class="button primary" href="/checkout" data-link>'
        "Checkout</a></div>"
    )


def page_checkout() -> str:
    """Order review and the place-order button."""
    if not SHOP.cart:
        return page_cart()
    who = (
        f"Ordering as <b>{escape(SHOP.user_name)}</b> ({escape(ecommerce_id_for(SHOP.user_name))})"
        if SHOP.user_name
        else 'Ordering as a guest — <a href="/login" data-link>log in</a> to link this order.'
    )
    lines = [(SHOP.products[pid], qty) for pid, qty in SHOP.cart.items()]
    rows = "".join(
        f"<tr><td>{escape(p.name)}</td><td>{qty} &times; {money(p.price)}</td>"
        f"<td>{money(p.price * qty)}</td></tr>"
        for p, qty in lines
    )
    return (
        f'<h1>Checkout</h1><p class="muted">{who}</p>'
        f'<table class="summary"><tbody>{rows}</tbody><tfoot><tr><td>Total</td><td></td>'
        f"<td>{money(SHOP.cart_total())}</td></tr></tfoot></table>"
        '<div class="actions end"><button class="primary" data-action="purchase">'
        "Place order</button></div>"
    )


def page_order(order_id: str) -> str:
    """The order confirmation."""
    order = SHOP.last_order
    if order is None or order["orderId"] != order_id:
        return page_not_found()
    return (
        '<section class="empty"><h1>Thank you!</h1>'
        f'<p>Order <b data-order-id="{escape(order_id)}">{escape(order_id)}</b> — '
        f"{order['items']} item(s), {money(order['total'])}.</p>"
        '<p class="muted">One <code>purchase</code> activity per product was sent.</p>'
        '<a class="button primary" href="/" data-link>Continue shopping</a></section>'
    )


def page_login() -> str:
    """Any name logs in; the e-commerce id is ``cust-<name>``."""
    if SHOP.user_name:
        return (
            f'<section class="empty"><h1>Hello, {escape(SHOP.user_name)}</h1>'
            '<button class="primary" data-action="logout">Log out</button></section>'
        )
    return (
        '<section class="login"><h1>Log in</h1>'
        '<p class="muted">Any name will do: it becomes the e-commerce id '
        "<code>cust-&lt;name&gt;</code>.</p>"
        '<form id="login-form" autocomplete="off"><label for="login-name">Name</label>'
        '<input id="login-name" name="name" required maxlength="40" placeholder="ada">'
        '<button class="primary" type="submit">Log in</button></form></section>'
    )


def page_not_found() -> str:
    """Unknown client-side route."""
    return (
        '<section class="empty"><h1>Page not found</h1>'
        '<a class="button primary" href="/" data-link>Back to the shop</a></section>'
    )


def page_for(path: str) -> tuple[str, str]:
    """Route ``path`` to (title, HTML)."""
    product_id = _product_id_of(path)
    if product_id is not None:
        product = SHOP.products[product_id]
        return product.name, page_product(product)
    if path == "/":
        return "Shop", page_home()
    category = re.fullmatch(r"/category/([a-z-]+)/?", path)
    if category and any(p.category == category.group(1) for p in SHOP.products.values()):
        return category.group(1).capitalize(), page_home(category.group(1))
    order = re.fullmatch(r"/order/([A-Za-z0-9-]+)/?", path)
    if order:
        return "Order confirmed", page_order(order.group(1))
    simple: dict[str, tuple[str, Callable[[], str]]] = {
        "/cart": ("Cart", page_cart),
        "/checkout": ("Checkout", page_checkout),
        "/login": ("Log in", page_login),
    }
    title, render = simple.get(path.rstrip("/") or "/", ("Not found", page_not_found))
    return title, render()


# -- rendering -------------------------------------------------------------------------------


def render_header() -> None:
    """Cart badge and the login/logout control."""
    count = SHOP.cart_count()
    js.document.getElementById("cart-count").textContent = str(count)
    js.document.getElementById("cart-count").hidden = count == 0
    account = js.document.getElementById("account")
    if SHOP.user_name:
        account.innerHTML = (
            f'<span class="who">{escape(SHOP.user_name)}</span>'
            '<button class="link" data-action="logout">Log out</button>'
        )
    else:
        account.innerHTML = '<a href="/login" data-link>Log in</a>'


def render_panel() -> None:
    """The SDK state panel: session id, identities, segments, traits, recent activities."""
    user = activity.user
    panel = js.document.getElementById("xo-user")
    panel.innerHTML = (
        f'<dt>Session id</dt><dd><code id="xo-session">{escape(activity.session_id)}</code></dd>'
        "<dt>Identities</dt>"
        f'<dd><pre id="xo-identities">{escape(json.dumps(user.get("identities", {}), indent=1))}'
        "</pre></dd><dt>Segments</dt>"
        f'<dd><pre id="xo-segments">{escape(json.dumps(user.get("segments", [])))}</pre></dd>'
        f'<dt>Traits</dt><dd><pre id="xo-traits">{escape(json.dumps(user.get("traits", {})))}'
        "</pre></dd>"
    )
    items = "".join(f"<li>{escape(line)}</li>" for line in reversed(SHOP.log))
    js.document.getElementById("xo-log").innerHTML = items or "<li class='muted'>nothing yet</li>"


def add_log(lines: list[str]) -> None:
    """Remember the latest sends for the panel."""
    SHOP.log.extend(lines)
    del SHOP.log[:-LOG_SIZE]
    render_panel()


def show(path: str) -> None:
    """Render ``path`` and send its ``view``."""
    title, body = page_for(path)
    js.document.title = f"{title} · XO demo shop"
    main = js.document.getElementById("app")
    main.innerHTML = body
    main.setAttribute("data-path", path)
    render_header()
    js.window.scrollTo(0, 0)
    track(view_activity(path))
    render_panel()


def navigate(path: str) -> None:
    """Client-side navigation: push a history entry, no reload."""
    if path != str(js.window.location.pathname):
        js.window.history.pushState(None, "", path)
    show(path)


# -- actions ---------------------------------------------------------------------------------


def add_to_cart(product_id: str) -> None:
    """Add one item and send ``add-to-cart``."""
    product = SHOP.products[product_id]
    if SHOP.cart.get(product_id, 0) >= MAX_QUANTITY:
        return
    SHOP.cart[product_id] = SHOP.cart.get(product_id, 0) + 1
    track(cart_activity("add-to-cart", product, 1))
    rerender()


def remove_from_cart(product_id: str) -> None:
    """Remove one item and send ``remove-from-cart``."""
    if product_id not in SHOP.cart:
        return
    SHOP.cart[product_id] -= 1
    if SHOP.cart[product_id] <= 0:
        del SHOP.cart[product_id]
    track(cart_activity("remove-from-cart", SHOP.products[product_id], 1))
    rerender()


def purchase() -> None:
    """Place the order: one ``purchase`` per product, in one request; then the confirmation."""
    if not SHOP.cart:
        return
    order_id = f"ord-{uuid.uuid4().hex[:8]}"
    track(purchase_activities(SHOP, order_id))
    SHOP.last_order = {
        "orderId": order_id,
        "items": SHOP.cart_count(),
        "total": SHOP.cart_total(),
    }
    SHOP.cart.clear()
    navigate(f"/order/{order_id}")


def log_in(name: str) -> None:
    """Identify the visitor: the e-commerce id joins the session id on every later activity."""
    name = " ".join(name.split())[:40]
    if not name:
        return
    SHOP.user_name = name
    activity.add_user_identity("ecommerceId", ecommerce_id_for(name))
    activity.add_user_segment("members")
    activity.add_user_trait("loyaltyTier", "silver")
    with contextlib.suppress(Exception):  # storage may be blocked: login lasts for the tab
        js.window.localStorage.setItem(USER_STORAGE_KEY, name)
    back = SHOP.return_to if SHOP.return_to not in ("/login", "") else "/"
    navigate(back)


def log_out() -> None:
    """SPA logout: forget the user and start a new session id (no reload)."""
    SHOP.user_name = None
    SHOP.cart.clear()
    activity.clear_user()
    with contextlib.suppress(Exception):
        js.window.localStorage.removeItem(USER_STORAGE_KEY)
    navigate("/")


def rerender() -> None:
    """Re-render the current page without sending another ``view``."""
    path = str(js.window.location.pathname)
    _, body = page_for(path)
    js.document.getElementById("app").innerHTML = body
    render_header()
    render_panel()


# -- events ----------------------------------------------------------------------------------


def is_null(value: Any) -> bool:
    """True for Python None and for JavaScript null (``jsnull`` in Pyodide, not None)."""
    return value is None or type(value).__name__ == "JsNull"


def attribute(element: Any, name: str) -> str | None:
    """An element's attribute as a str, or None when it is absent (JS null)."""
    value = element.getAttribute(name)
    return value if isinstance(value, str) else None


def on_click(event: Any) -> None:
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
    if action is not None:
        event.preventDefault()
        if action == "add" and product_id in SHOP.products:
            add_to_cart(product_id)
        elif action == "remove" and product_id in SHOP.products:
            remove_from_cart(product_id)
        elif action == "purchase":
            purchase()
        elif action == "logout":
            log_out()
        return
    event.preventDefault()
    url = js.URL.new(element.href)
    clicked = attribute(element, "data-click-product")
    if clicked:
        track({"action": "click", "target": {"product": clicked}})
    if str(url.pathname) == "/login":
        SHOP.return_to = str(js.window.location.pathname)
    navigate(str(url.pathname))


def on_submit(event: Any) -> None:
    """The login form."""
    if event.target.id != "login-form":
        return
    event.preventDefault()
    log_in(str(js.document.getElementById("login-name").value))


def on_popstate(_event: Any) -> None:
    """Back/forward: render the page from the URL (and send its view)."""
    show(str(js.window.location.pathname))


def on_js_send(event: Any) -> None:
    """The page's JavaScript reports its own sends (``demo:sent``) for the panel's log."""
    detail = event.detail
    add_log([f"{'✓' if detail.ok else '✗'} {detail.label} → {detail.status} (JS)"])


# -- boot ------------------------------------------------------------------------------------

activity.init(TRACKER_KEY, collect_url=f"{ORIGIN}/collect")
SHOP = Shop(products=load_catalog())

with contextlib.suppress(Exception):  # the page re-adds the user's identity on each load
    remembered = js.window.localStorage.getItem(USER_STORAGE_KEY)
    if isinstance(remembered, str) and remembered.strip():
        SHOP.user_name = remembered
        activity.add_user_identity("ecommerceId", ecommerce_id_for(remembered))
        activity.add_user_segment("members")
        activity.add_user_trait("loyaltyTier", "silver")

_handlers: list[Any] = []  # keep the proxies alive for the page's lifetime
for _target, _name, _handler in (
    (js.document, "click", on_click),
    (js.document, "submit", on_submit),
    (js.window, "popstate", on_popstate),
    (js.window, "demo:sent", on_js_send),
):
    _proxy = create_proxy(_handler)
    _handlers.append(_proxy)
    _target.addEventListener(_name, _proxy)

show(str(js.window.location.pathname))
js.window.demoReady = True
