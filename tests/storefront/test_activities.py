"""The activity builders: the exact dicts the storefront passes to ``activity.send``."""

from __future__ import annotations

import re

from demo.storefront.shop import activities
from tests.storefront.helpers import product


def test_a_product_page_view_targets_the_product():
    """view() with a product id sends target.product, not the path."""
    assert activities.view("/product/p-2", "p-2") == {
        "action": "view",
        "target": {"product": "p-2"},
    }


def test_any_other_view_targets_the_path():
    """view() without a product id sends target.pathToPage with the path as given."""
    assert activities.view("/order/ord-1234abcd") == {
        "action": "view",
        "target": {"pathToPage": "/order/ord-1234abcd"},
    }


def test_a_click_targets_the_product():
    """click() is a click on the product."""
    assert activities.click("p-5") == {"action": "click", "target": {"product": "p-5"}}


def test_add_to_cart_carries_price_in_cents_quantity_and_currency():
    """add_to_cart() sends the product with metadata price (int cents), quantity, currency."""
    item = activities.add_to_cart(product(id="p-4", price=12900, currency="EUR"))
    assert item == {
        "action": "add-to-cart",
        "target": {"product": "p-4"},
        "metadata": {"price": 12900, "quantity": 1, "currency": "EUR"},
    }
    assert type(item["metadata"]["price"]) is int


def test_remove_from_cart_carries_price_in_cents_quantity_and_currency():
    """remove_from_cart() mirrors add_to_cart() with its own action and the given quantity."""
    assert activities.remove_from_cart(product(id="p-1", price=4900), 2) == {
        "action": "remove-from-cart",
        "target": {"product": "p-1"},
        "metadata": {"price": 4900, "quantity": 2, "currency": "EUR"},
    }


def test_a_purchase_is_one_activity_per_line_with_the_order_id(products):
    """purchases() sends one purchase per cart line, in line order, all with the orderId."""
    sent = activities.purchases([("p-2", 2), ("p-3", 1)], products, "ord-0001")
    assert sent == [
        {
            "action": "purchase",
            "target": {"product": "p-2"},
            "metadata": {"orderId": "ord-0001", "price": 7900, "quantity": 2, "currency": "EUR"},
        },
        {
            "action": "purchase",
            "target": {"product": "p-3"},
            "metadata": {"orderId": "ord-0001", "price": 1950, "quantity": 1, "currency": "EUR"},
        },
    ]


def test_an_order_id_is_ord_and_eight_hex_digits():
    """new_order_id() makes ``ord-`` plus the first 8 characters of the random hex."""
    assert activities.new_order_id(lambda: "0123456789abcdef") == "ord-01234567"
    assert re.fullmatch(r"ord-[0-9a-f]{8}", activities.new_order_id())


def test_order_ids_differ():
    """Two orders get two ids."""
    assert activities.new_order_id() != activities.new_order_id()


def test_describe_labels_an_activity_by_action_and_target():
    """describe() gives the panel's label: action, then product or path."""
    assert activities.describe(activities.click("p-2")) == "click p-2"
    assert activities.describe(activities.view("/cart")) == "view /cart"
    assert activities.describe({"action": "save-for-later"}) == "save-for-later"
