"""The cart module: quantities per product, limits, totals in integer cents."""

from __future__ import annotations

from demo.storefront.shop.cart import MAX_QUANTITY, Cart


def test_a_new_cart_is_empty():
    """A new cart is falsy, counts 0 items and has no lines."""
    cart = Cart()
    assert not cart
    assert cart.count() == 0
    assert cart.lines() == []


def test_adding_counts_one_item_at_a_time():
    """Each add puts one more item of the product in the cart."""
    cart = Cart()
    assert cart.add("p-1")
    assert cart.add("p-1")
    assert cart.quantity("p-1") == 2
    assert cart.count() == 2


def test_a_line_stops_at_max_quantity():
    """Adding beyond MAX_QUANTITY is refused (False) and changes nothing."""
    cart = Cart()
    for _ in range(MAX_QUANTITY):
        assert cart.add("p-1")
    assert not cart.add("p-1")
    assert cart.quantity("p-1") == MAX_QUANTITY == 9


def test_the_limit_is_per_product():
    """A full line does not stop adding another product."""
    cart = Cart()
    for _ in range(MAX_QUANTITY):
        cart.add("p-1")
    assert cart.add("p-2")
    assert cart.count() == MAX_QUANTITY + 1


def test_removing_takes_one_item_away():
    """remove() lowers the quantity by one and keeps the line while items remain."""
    cart = Cart()
    cart.add("p-1")
    cart.add("p-1")
    assert cart.remove("p-1")
    assert cart.lines() == [("p-1", 1)]


def test_removing_the_last_item_removes_the_line():
    """The line disappears with its last item."""
    cart = Cart()
    cart.add("p-1")
    assert cart.remove("p-1")
    assert cart.lines() == []
    assert cart.quantity("p-1") == 0


def test_removing_a_product_not_in_the_cart_is_refused():
    """remove() of an absent product returns False and changes nothing."""
    cart = Cart()
    cart.add("p-2")
    assert not cart.remove("p-1")
    assert cart.lines() == [("p-2", 1)]


def test_lines_keep_the_order_products_were_first_added():
    """Lines are listed in first-added order, whatever the later quantities."""
    cart = Cart()
    for pid in ("p-3", "p-1", "p-3"):
        cart.add(pid)
    assert cart.lines() == [("p-3", 2), ("p-1", 1)]


def test_the_total_is_price_times_quantity_in_cents(products):
    """total() sums price times quantity over the lines, in integer cents."""
    cart = Cart()
    cart.add("p-1")
    cart.add("p-1")
    cart.add("p-3")
    total = cart.total(products)
    assert total == 2 * 4900 + 1950
    assert isinstance(total, int)


def test_clear_empties_the_cart():
    """clear() removes every line."""
    cart = Cart()
    cart.add("p-1")
    cart.add("p-2")
    cart.clear()
    assert not cart
    assert cart.count() == 0
