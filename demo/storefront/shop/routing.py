"""Client-side routing: a URL path to a :class:`Route` (which page, its title, its subject).

``/``, ``/category/<name>`` (a known category), ``/product/<id>`` (a known product),
``/cart``, ``/checkout``, ``/login``, ``/order/<id>``; anything else is ``not-found``.
A trailing slash is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .catalog import Product

Page = Literal["home", "category", "product", "cart", "checkout", "login", "order", "not-found"]

_PRODUCT = re.compile(r"/product/([^/]+)/?")
_CATEGORY = re.compile(r"/category/([a-z-]+)/?")
_ORDER = re.compile(r"/order/([A-Za-z0-9-]+)/?")
_SIMPLE: dict[str, tuple[Page, str]] = {
    "/cart": ("cart", "Cart"),
    "/checkout": ("checkout", "Checkout"),
    "/login": ("login", "Log in"),
}


@dataclass(frozen=True)
class Route:
    """Where a path leads: the page, the document title and the product/category/order."""

    page: Page
    title: str
    product_id: str | None = None
    category: str | None = None
    order_id: str | None = None


def resolve(path: str, products: Mapping[str, Product]) -> Route:
    """Route ``path``; product and category pages exist only for the catalog's entries."""
    match = _PRODUCT.fullmatch(path)
    if match and match.group(1) in products:
        product = products[match.group(1)]
        return Route("product", product.name, product_id=product.id)
    if path == "/":
        return Route("home", "Shop")
    match = _CATEGORY.fullmatch(path)
    if match and any(p.category == match.group(1) for p in products.values()):
        name = match.group(1)
        return Route("category", name.capitalize(), category=name)
    match = _ORDER.fullmatch(path)
    if match:
        return Route("order", "Order confirmed", order_id=match.group(1))
    page, title = _SIMPLE.get(path.rstrip("/") or "/", ("not-found", "Not found"))
    return Route(page, title)
