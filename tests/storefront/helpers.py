"""Builders for the storefront tests: catalog JSON objects and products."""

from __future__ import annotations

from typing import Any

from demo.storefront.shop.catalog import Product


def product_json(**fields: Any) -> dict[str, Any]:
    """A valid product object of the catalog JSON, with ``fields`` added or replaced."""
    return {
        "id": "p-1",
        "name": "Linen Shirt",
        "category": "apparel",
        "price": 4900,
        "currency": "EUR",
        "description": "A shirt.",
        "art": "shirt",
        "hue": 205,
        **fields,
    }


def product(**fields: Any) -> Product:
    """A Product built from :func:`product_json`'s defaults and ``fields``."""
    return Product(**product_json(**fields))
