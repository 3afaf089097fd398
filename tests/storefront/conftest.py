"""Fixtures for the storefront's pure modules: a small catalog and a shop over it."""

from __future__ import annotations

import pytest

from demo.storefront.shop.catalog import Catalog
from demo.storefront.shop.state import Shop
from tests.storefront.helpers import product


@pytest.fixture
def products() -> Catalog:
    """Three products in two categories, in catalog order."""
    items = [
        product(id="p-1", name="Linen Shirt", category="apparel", price=4900),
        product(id="p-2", name="Canvas Sneakers", category="footwear", price=7900, art="sneaker"),
        product(id="p-3", name="Wool Beanie", category="apparel", price=1950, art="beanie"),
    ]
    return {p.id: p for p in items}


@pytest.fixture
def shop(products: Catalog) -> Shop:
    """An empty shop over :func:`products`."""
    return Shop(products=products)
