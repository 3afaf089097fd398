"""Client-side routing: which page, title and subject each path leads to."""

from __future__ import annotations

import pytest

from demo.storefront.shop.routing import Route, resolve


def test_the_root_is_the_home_page(products):
    """``/`` is the home page titled Shop."""
    assert resolve("/", products) == Route("home", "Shop")


def test_a_known_product_is_its_product_page(products):
    """``/product/<id>`` of a catalog product is its page, titled with its name."""
    assert resolve("/product/p-2", products) == Route(
        "product", "Canvas Sneakers", product_id="p-2"
    )


def test_an_unknown_product_is_not_found(products):
    """``/product/<id>`` of an id not in the catalog is the not-found page."""
    assert resolve("/product/p-99", products) == Route("not-found", "Not found")


def test_a_known_category_is_the_filtered_home_page(products):
    """``/category/<name>`` of a catalog category is the grid filtered, titled capitalised."""
    assert resolve("/category/footwear", products) == Route(
        "category", "Footwear", category="footwear"
    )


def test_an_unknown_category_is_not_found(products):
    """A category no product has leads to not-found."""
    assert resolve("/category/toys", products).page == "not-found"


def test_an_order_path_carries_its_order_id(products):
    """``/order/<id>`` is the confirmation page of that order id."""
    assert resolve("/order/ord-1a2b3c4d", products) == Route(
        "order", "Order confirmed", order_id="ord-1a2b3c4d"
    )


@pytest.mark.parametrize(
    ("path", "page", "title"),
    [
        ("/cart", "cart", "Cart"),
        ("/checkout", "checkout", "Checkout"),
        ("/login", "login", "Log in"),
    ],
)
def test_the_fixed_pages(products, path, page, title):
    """``/cart``, ``/checkout`` and ``/login`` lead to their pages."""
    assert resolve(path, products) == Route(page, title)


@pytest.mark.parametrize("path", ["/cart/", "/product/p-1/", "/category/apparel/", "/order/x-1/"])
def test_a_trailing_slash_leads_to_the_same_page(products, path):
    """A trailing slash does not change the page."""
    assert resolve(path, products) == resolve(path.rstrip("/"), products)


@pytest.mark.parametrize("path", ["/nope", "//", "/product/p-1/extra", "/order/a b", "/CART"])
def test_anything_else_is_not_found(products, path):
    """Unknown paths lead to the not-found page."""
    assert resolve(path, products) == Route("not-found", "Not found")
