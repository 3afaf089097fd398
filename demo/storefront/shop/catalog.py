"""The catalog: :class:`Product` and parsing ``/api/catalog``'s JSON into products by id.

Parsing is strict (a bad catalog raises :class:`CatalogError`, never half-loads): every product
needs a unique non-empty ``id``, text fields, a price in integer cents, an ISO 4217 currency
and an integer hue; unknown keys are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard


class CatalogError(ValueError):
    """The catalog JSON is not a usable list of products."""


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


Catalog = dict[str, Product]

_TEXT_FIELDS = ("name", "category", "description", "art")


def parse_catalog_json(text: str | bytes) -> Catalog:
    """Parse the catalog document (JSON text) into products by id, in catalog order."""
    try:
        data = json.loads(text)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise CatalogError(f"the catalog is not JSON: {error}") from error
    return parse_catalog(data)


def parse_catalog(data: object) -> Catalog:
    """Turn the decoded catalog ``{"products": [...]}`` into products by id, in catalog order."""
    if not isinstance(data, Mapping):
        raise CatalogError("the catalog must be a JSON object")
    items = data.get("products")
    if not isinstance(items, list) or not items:
        raise CatalogError("the catalog must hold a non-empty 'products' list")
    products: Catalog = {}
    for item in items:
        product = parse_product(item)
        if product.id in products:
            raise CatalogError(f"duplicate product id {product.id!r}")
        products[product.id] = product
    return products


def parse_product(item: object) -> Product:
    """One product from its JSON object; raises :class:`CatalogError` naming what is wrong."""
    if not isinstance(item, Mapping):
        raise CatalogError(f"a product must be a JSON object, not {item!r}")
    pid = item.get("id")
    if not isinstance(pid, str) or not pid:
        raise CatalogError(f"bad product id {pid!r}")
    for name in _TEXT_FIELDS:
        if not isinstance(item.get(name), str):
            raise CatalogError(f"{pid}: {name} must be a string")
    price = item.get("price")
    if not _is_int(price) or price < 0:
        raise CatalogError(f"{pid}: price must be integer cents, not {price!r}")
    currency = item.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isupper():
        raise CatalogError(f"{pid}: currency must be an ISO 4217 code, not {currency!r}")
    hue = item.get("hue")
    if not _is_int(hue):
        raise CatalogError(f"{pid}: hue must be an integer, not {hue!r}")
    return Product(
        id=pid,
        name=item["name"],
        category=item["category"],
        price=price,
        currency=currency,
        description=item["description"],
        art=item["art"],
        hue=hue,
    )


def categories(products: Mapping[str, Product]) -> list[str]:
    """The catalog's categories, sorted."""
    return sorted({product.category for product in products.values()})


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
