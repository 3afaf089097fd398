"""The page's state (orders, the panel's log, where login returns) and the demo's login names."""

from __future__ import annotations

from demo.storefront.shop.account import clean_name, ecommerce_id_for
from demo.storefront.shop.state import LOG_SIZE, Order, Shop


def test_the_log_keeps_only_the_latest_lines(shop: Shop):
    """remember() keeps the last LOG_SIZE lines, oldest dropped first."""
    shop.remember([f"line {i}" for i in range(LOG_SIZE)])
    shop.remember(["newest"])
    assert len(shop.log) == LOG_SIZE
    assert shop.log[0] == "line 1"
    assert shop.log[-1] == "newest"


def test_placing_an_order_records_it_and_empties_the_cart(shop: Shop):
    """place_order() remembers items and total of the cart, then clears the cart."""
    shop.cart.add("p-1")
    shop.cart.add("p-2")
    shop.cart.add("p-2")
    order = shop.place_order("ord-1")
    assert order == Order("ord-1", items=3, total=4900 + 2 * 7900)
    assert shop.last_order == order
    assert not shop.cart


def test_login_returns_to_the_page_the_visitor_came_from(shop: Shop):
    """after_login() is the remembered page, and home instead of the login page itself."""
    shop.return_to = "/product/p-2"
    assert shop.after_login() == "/product/p-2"
    shop.return_to = "/login"
    assert shop.after_login() == "/"
    shop.return_to = ""
    assert shop.after_login() == "/"


def test_an_ecommerce_id_is_a_slug_of_the_name():
    """ecommerce_id_for() lowercases and joins the name's words with hyphens after cust-."""
    assert ecommerce_id_for("Ada") == "cust-ada"
    assert ecommerce_id_for(" Ada  Lovelace! ") == "cust-ada-lovelace"


def test_a_name_without_letters_or_digits_is_a_guest():
    """A name with no slug characters becomes cust-guest."""
    assert ecommerce_id_for("***") == "cust-guest"


def test_a_typed_name_is_trimmed_and_cut_to_forty_characters():
    """clean_name() collapses whitespace and keeps at most 40 characters."""
    assert clean_name("  Ada \n Lovelace ") == "Ada Lovelace"
    assert clean_name("x" * 50) == "x" * 40
    assert clean_name("   ") == ""
