"""The page templates: HTML strings with every catalog, user and URL value escaped."""

from __future__ import annotations

import pytest

from demo.storefront.shop import templates
from demo.storefront.shop.catalog import Catalog
from demo.storefront.shop.routing import resolve
from demo.storefront.shop.state import Order, Shop
from tests.storefront.helpers import product

EVIL = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.fixture
def evil_products() -> Catalog:
    """One product whose every text field is markup."""
    evil = product(id='p"1', name=EVIL, category="a<b", description=EVIL)
    return {evil.id: evil}


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (4900, "EUR", "€49.00"),
        (123450, "EUR", "€1,234.50"),
        (5, "EUR", "€0.05"),
        (305, "USD", "USD 3.05"),
    ],
)
def test_money_formats_integer_cents(cents, currency, shown):
    """money() shows cents as units and two decimals with the currency's symbol or code."""
    assert templates.money(cents, currency) == shown


def test_a_tile_escapes_the_product(evil_products):
    """A tile's name, category, link and data attribute are escaped."""
    html = templates.tile(evil_products['p"1'])
    assert "<script>" not in html
    assert ESCAPED in html
    assert 'data-click-product="p&quot;1"' in html
    assert "a&lt;b" in html


def test_a_product_page_escapes_name_and_description(evil_products):
    """The product page shows markup in the catalog as text."""
    html = templates.product_page(evil_products['p"1'], evil_products, in_cart=0)
    assert "<script>" not in html
    assert html.count(ESCAPED) >= 3  # picture label, title, description


def test_a_product_page_offers_add_and_save_with_the_quantity_in_cart(products):
    """The product page has the add and JS-save buttons and says how many are in the cart."""
    html = templates.product_page(products["p-2"], products, in_cart=2)
    assert '<button class="primary" data-action="add" data-product="p-2">' in html
    assert 'data-js-save data-product="p-2"' in html
    assert "2 in your cart" in html


def test_the_home_page_filters_by_category_and_marks_the_chip(products):
    """home(category) shows only that category's tiles and marks its chip active."""
    html = templates.home(products, "footwear")
    assert 'data-click-product="p-2"' in html
    assert 'data-click-product="p-1"' not in html
    assert '<a class="chip active" href="/category/footwear"' in html


def test_the_empty_cart_page_says_so(shop):
    """An empty cart renders the 'Your cart is empty' page."""
    assert "<h1>Your cart is empty</h1>" in templates.cart_page(shop.cart, shop.products)


def test_the_cart_page_lists_lines_and_the_total(shop):
    """Each line has remove/add buttons and its subtotal; the total is the cart's."""
    shop.cart.add("p-1")
    shop.cart.add("p-1")
    shop.cart.add("p-3")
    html = templates.cart_page(shop.cart, shop.products)
    assert html.count('<li class="line">') == 2
    assert '<button data-action="remove" data-product="p-1"' in html
    assert "<b>2</b>" in html
    assert "<strong>€98.00</strong>" in html
    assert "Total <strong>€117.50</strong>" in html


def test_checkout_names_the_logged_in_customer_escaped(shop):
    """Checkout shows the user's name and e-commerce id, with markup escaped."""
    shop.cart.add("p-1")
    html = templates.checkout_page(shop.cart, shop.products, "Ada <b>")
    assert "Ordering as <b>Ada &lt;b&gt;</b> (cust-ada-b)" in html


def test_checkout_of_an_empty_cart_is_the_empty_cart_page(shop):
    """With nothing to order, checkout shows the empty cart."""
    assert "Your cart is empty" in templates.checkout_page(shop.cart, shop.products, None)


def test_the_order_page_confirms_only_the_last_order():
    """order_page() confirms the order just placed and is not-found for any other id."""
    order = Order("ord-1", items=3, total=11750)
    html = templates.order_page("ord-1", order)
    assert 'data-order-id="ord-1"' in html
    assert "3 item(s), €117.50" in html
    assert templates.order_page("ord-2", order) == templates.not_found()
    assert templates.order_page("ord-1", None) == templates.not_found()


def test_the_login_page_greets_a_logged_in_user_escaped():
    """Logged in, the login page greets the user by an escaped name and offers logout."""
    html = templates.login_page(EVIL)
    assert f"Hello, {ESCAPED}" in html
    assert 'data-action="logout"' in html


def test_the_login_page_has_the_form_when_logged_out():
    """Logged out, the login page holds the form the adapter listens to."""
    html = templates.login_page(None)
    assert '<form id="login-form"' in html
    assert '<input id="login-name"' in html


def test_the_account_control_escapes_the_user_name():
    """The header shows the escaped name and a logout button, or the login link."""
    assert templates.account(EVIL) == (
        f'<span class="who">{ESCAPED}</span>'
        '<button class="link" data-action="logout">Log out</button>'
    )
    assert templates.account(None) == '<a href="/login" data-link>Log in</a>'


def test_the_panel_escapes_the_user_object():
    """The panel shows session id, identities, segments and traits as escaped text."""
    user = {"identities": {"sessionid": "s-1"}, "segments": ["<b>"], "traits": {"t": "<i>"}}
    html = templates.panel_user("s<1>", user)
    assert '<code id="xo-session">s&lt;1&gt;</code>' in html
    assert "&quot;sessionid&quot;: &quot;s-1&quot;" in html
    assert "<b>" not in html
    assert "<i>" not in html


def test_the_panel_log_is_newest_first_and_escaped():
    """Recent sends are listed newest first, as text; an empty log says nothing yet."""
    assert templates.panel_log(["view /", "click <p>"]) == (
        "<li>click &lt;p&gt;</li><li>view /</li>"
    )
    assert templates.panel_log([]) == "<li class='muted'>nothing yet</li>"


def test_page_renders_the_route_from_the_shop_state(shop: Shop):
    """page() renders the routed page with the shop's state (here: the cart's quantity)."""
    shop.cart.add("p-3")
    html = templates.page(resolve("/product/p-3", shop.products), shop)
    assert "<h1>Wool Beanie</h1>" in html
    assert "1 in your cart" in html
    assert templates.page(resolve("/nope", shop.products), shop) == templates.not_found()
