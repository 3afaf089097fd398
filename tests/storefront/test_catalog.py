"""The catalog module: parsing the catalog JSON into products, and refusing bad catalogs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from demo.storefront.shop.catalog import (
    CatalogError,
    Product,
    categories,
    parse_catalog,
    parse_catalog_json,
)
from tests.storefront.helpers import product_json

CATALOG_FILE = Path(__file__).resolve().parents[2] / "demo" / "storefront" / "catalog.json"


def test_the_demo_catalog_parses_into_every_product_in_file_order():
    """The shipped catalog.json yields one Product per entry, keyed by id, in file order."""
    raw = json.loads(CATALOG_FILE.read_text("utf-8"))
    products = parse_catalog_json(CATALOG_FILE.read_bytes())
    assert list(products) == [item["id"] for item in raw["products"]]
    assert all(isinstance(p.price, int) for p in products.values())


def test_a_product_keeps_every_field():
    """A product object becomes a Product with exactly its fields."""
    products = parse_catalog({"products": [product_json()]})
    assert products == {
        "p-1": Product(
            id="p-1",
            name="Linen Shirt",
            category="apparel",
            price=4900,
            currency="EUR",
            description="A shirt.",
            art="shirt",
            hue=205,
        )
    }


def test_unknown_keys_of_a_product_are_ignored():
    """Keys the shop does not use (ratings, stock, ...) do not stop parsing."""
    products = parse_catalog({"products": [product_json(rating=4.5, stock={"eu": 3})]})
    assert products["p-1"].name == "Linen Shirt"


def test_text_that_is_not_json_is_refused():
    """Bytes that do not decode as JSON raise CatalogError, not a JSONDecodeError."""
    with pytest.raises(CatalogError, match="not JSON"):
        parse_catalog_json(b"<html>oops</html>")


@pytest.mark.parametrize(
    "data",
    [[], "products", {}, {"products": []}, {"products": {"p-1": product_json()}}],
    ids=["list", "string", "no-products", "empty-products", "products-not-a-list"],
)
def test_a_document_without_a_product_list_is_refused(data: Any):
    """The catalog must be an object holding a non-empty 'products' list."""
    with pytest.raises(CatalogError):
        parse_catalog(data)


def test_duplicate_product_ids_are_refused():
    """Two products with one id raise CatalogError naming the id."""
    with pytest.raises(CatalogError, match="duplicate product id 'p-1'"):
        parse_catalog({"products": [product_json(), product_json(name="Other")]})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": ""}, "bad product id"),
        ({"id": 7}, "bad product id"),
        ({"name": None}, "name must be a string"),
        ({"description": ["x"]}, "description must be a string"),
        ({"price": 49.0}, "price must be integer cents"),
        ({"price": "4900"}, "price must be integer cents"),
        ({"price": True}, "price must be integer cents"),
        ({"price": -1}, "price must be integer cents"),
        ({"currency": "eur"}, "currency must be an ISO 4217 code"),
        ({"currency": "EURO"}, "currency must be an ISO 4217 code"),
        ({"hue": "205"}, "hue must be an integer"),
    ],
)
def test_a_bad_product_field_is_refused_with_its_name(fields: dict[str, Any], message: str):
    """A product with a wrong field raises CatalogError saying which field is wrong."""
    with pytest.raises(CatalogError, match=message):
        parse_catalog({"products": [product_json(**fields)]})


def test_a_missing_field_is_refused():
    """A product without a price raises CatalogError (not a TypeError from the dataclass)."""
    item = product_json()
    del item["price"]
    with pytest.raises(CatalogError, match="price"):
        parse_catalog({"products": [item]})


def test_a_product_that_is_not_an_object_is_refused():
    """A bare string in the products list raises CatalogError."""
    with pytest.raises(CatalogError, match="must be a JSON object"):
        parse_catalog({"products": ["p-1"]})


def test_categories_are_distinct_and_sorted(products):
    """categories() lists each category once, alphabetically."""
    assert categories(products) == ["apparel", "footwear"]
