"""The pages as HTML strings; every value from the catalog, the user or the URL is escaped.

One function per page plus the header's account control and the SDK panel. Links that stay in
the SPA carry ``data-link``; buttons carry ``data-action`` (``add``, ``remove``, ``purchase``,
``logout``) and ``data-product``; tiles carry ``data-click-product``. ``app.py`` listens for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from .account import ecommerce_id_for
from .art import product_art
from .cart import Cart
from .catalog import Product, categories
from .routing import Route
from .state import Order, Shop

CURRENCY_SYMBOLS = {"EUR": "€"}


def money(cents: int, currency: str = "EUR") -> str:
    """Format integer cents: ``€49.00``, ``€1,234.50``, ``USD 3.05``."""
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    return f"{escape(symbol)}{cents // 100:,}.{cents % 100:02d}"


def page(route: Route, shop: Shop) -> str:
    """The HTML of the page ``route`` leads to, from the shop's current state."""
    products = shop.products
    if route.page == "product" and route.product_id in products:
        product = products[route.product_id]
        return product_page(product, products, shop.cart.quantity(product.id))
    if route.page in ("home", "category"):
        return home(products, route.category)
    if route.page == "cart":
        return cart_page(shop.cart, products)
    if route.page == "checkout":
        return checkout_page(shop.cart, products, shop.user_name)
    if route.page == "order" and route.order_id is not None:
        return order_page(route.order_id, shop.last_order)
    if route.page == "login":
        return login_page(shop.user_name)
    return not_found()


def tile(product: Product) -> str:
    """A product tile of the grid (a click sends ``click``, then opens the product)."""
    return (
        f'<a class="tile" href="/product/{escape(product.id)}" data-link '
        f'data-click-product="{escape(product.id)}">{product_art(product)}'
        f'<span class="tile-name">{escape(product.name)}</span>'
        f'<span class="tile-meta"><span>{escape(product.category)}</span>'
        f"<strong>{money(product.price, product.currency)}</strong></span></a>"
    )


def home(products: Mapping[str, Product], category: str | None = None) -> str:
    """The catalog grid, optionally filtered by category."""
    chips = f'<a class="chip{"" if category else " active"}" href="/" data-link>all</a>' + "".join(
        f'<a class="chip{" active" if c == category else ""}" href="/category/{escape(c)}" '
        f"data-link>{escape(c)}</a>"
        for c in categories(products)
    )
    shown = [p for p in products.values() if category in (None, p.category)]
    title = category.capitalize() if category else "New season essentials"
    return (
        f'<section class="hero"><h1>{escape(title)}</h1>'
        "<p>Every click on this page is an XO activity sent by Python running in your browser."
        f'</p></section><nav class="chips">{chips}</nav>'
        f'<div class="grid">{_tiles(shown)}</div>'
    )


def product_page(product: Product, products: Mapping[str, Product], in_cart: int) -> str:
    """A product page with add-to-cart (Python) and save-for-later (page JavaScript)."""
    note = f'<p class="muted">{in_cart} in your cart</p>' if in_cart else ""
    others = [p for p in products.values() if p.id != product.id][:4]
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
        '<h2 class="related">You may also like</h2>'
        f'<div class="grid small">{_tiles(others)}</div>'
    )


def cart_page(cart: Cart, products: Mapping[str, Product]) -> str:
    """The cart: quantities, remove, total, checkout."""
    if not cart:
        return (
            '<section class="empty"><h1>Your cart is empty</h1>'
            '<a class="button primary" href="/" data-link>Continue shopping</a></section>'
        )
    rows = "".join(_cart_line(products[pid], qty) for pid, qty in cart.lines())
    return (
        f'<h1>Cart</h1><ul class="lines">{rows}</ul>'
        f'<p class="total">Total <strong>{_total(cart, products)}</strong></p>'
        '<div class="actions end"><a class="button primary" href="/checkout" data-link>'
        "Checkout</a></div>"
    )


def checkout_page(cart: Cart, products: Mapping[str, Product], user_name: str | None) -> str:
    """Order review and the place-order button (the empty cart's page when there is nothing)."""
    if not cart:
        return cart_page(cart, products)
    who = (
        f"Ordering as <b>{escape(user_name)}</b> ({escape(ecommerce_id_for(user_name))})"
        if user_name
        else 'Ordering as a guest — <a href="/login" data-link>log in</a> to link this order.'
    )
    rows = "".join(
        f"<tr><td>{escape(p.name)}</td><td>{qty} &times; {money(p.price, p.currency)}</td>"
        f"<td>{money(p.price * qty, p.currency)}</td></tr>"
        for p, qty in ((products[pid], qty) for pid, qty in cart.lines())
    )
    return (
        f'<h1>Checkout</h1><p class="muted">{who}</p>'
        f'<table class="summary"><tbody>{rows}</tbody><tfoot><tr><td>Total</td><td></td>'
        f"<td>{_total(cart, products)}</td></tr></tfoot></table>"
        '<div class="actions end"><button class="primary" data-action="purchase">'
        "Place order</button></div>"
    )


def order_page(order_id: str, order: Order | None) -> str:
    """The confirmation of ``order_id`` (not found unless it is the order just placed)."""
    if order is None or order.order_id != order_id:
        return not_found()
    return (
        '<section class="empty"><h1>Thank you!</h1>'
        f'<p>Order <b data-order-id="{escape(order_id)}">{escape(order_id)}</b> — '
        f"{order.items} item(s), {money(order.total)}.</p>"
        '<p class="muted">One <code>purchase</code> activity per product was sent.</p>'
        '<a class="button primary" href="/" data-link>Continue shopping</a></section>'
    )


def login_page(user_name: str | None) -> str:
    """The login form; logged in, a greeting and the logout button."""
    if user_name:
        return (
            f'<section class="empty"><h1>Hello, {escape(user_name)}</h1>'
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


def not_found() -> str:
    """An unknown client-side route."""
    return (
        '<section class="empty"><h1>Page not found</h1>'
        '<a class="button primary" href="/" data-link>Back to the shop</a></section>'
    )


def account(user_name: str | None) -> str:
    """The header's account control: the user and a logout button, or the login link."""
    if user_name:
        return (
            f'<span class="who">{escape(user_name)}</span>'
            '<button class="link" data-action="logout">Log out</button>'
        )
    return '<a href="/login" data-link>Log in</a>'


def panel_user(session_id: str, user: Mapping[str, Any]) -> str:
    """The SDK panel's user object: session id, identities, segments, traits."""
    identities = json.dumps(user.get("identities", {}), indent=1)
    return (
        f'<dt>Session id</dt><dd><code id="xo-session">{escape(session_id)}</code></dd>'
        f'<dt>Identities</dt><dd><pre id="xo-identities">{escape(identities)}</pre></dd>'
        "<dt>Segments</dt>"
        f'<dd><pre id="xo-segments">{escape(json.dumps(user.get("segments", [])))}</pre></dd>'
        f'<dt>Traits</dt><dd><pre id="xo-traits">{escape(json.dumps(user.get("traits", {})))}'
        "</pre></dd>"
    )


def panel_log(lines: Iterable[str]) -> str:
    """The panel's recent sends, newest first."""
    items = "".join(f"<li>{escape(line)}</li>" for line in reversed(list(lines)))
    return items or "<li class='muted'>nothing yet</li>"


def _tiles(products: Iterable[Product]) -> str:
    return "".join(tile(p) for p in products)


def _cart_line(product: Product, qty: int) -> str:
    pid = escape(product.id)
    return (
        f'<li class="line">{product_art(product)}'
        f'<a href="/product/{pid}" data-link>{escape(product.name)}</a>'
        f'<span class="qty"><button data-action="remove" data-product="{pid}" '
        f'aria-label="Remove one">&minus;</button><b>{qty}</b>'
        f'<button data-action="add" data-product="{pid}" aria-label="Add one">+</button>'
        f"</span><strong>{money(product.price * qty, product.currency)}</strong></li>"
    )


def _total(cart: Cart, products: Mapping[str, Product]) -> str:
    lines = cart.lines()
    currency = products[lines[0][0]].currency if lines else "EUR"
    return money(cart.total(products), currency)
