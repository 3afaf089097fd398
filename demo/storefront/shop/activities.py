"""The activities the shop sends with ``activity.send``: exact dicts, XO's wire format.

``view`` (``target.product`` on product pages, ``target.pathToPage`` elsewhere), ``click`` on
a product tile, ``add-to-cart`` / ``remove-from-cart`` and ``purchase`` with ``metadata``:
the price in integer cents, the quantity, the currency and, for purchases, the ``orderId``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .catalog import Product

Activity = dict[str, Any]


def view(path: str, product_id: str | None = None) -> Activity:
    """The ``view`` of a page: the product on product pages, the path everywhere else."""
    if product_id is not None:
        return {"action": "view", "target": {"product": product_id}}
    return {"action": "view", "target": {"pathToPage": path}}


def click(product_id: str) -> Activity:
    """A ``click`` on a product tile."""
    return {"action": "click", "target": {"product": product_id}}


def add_to_cart(product: Product, quantity: int = 1) -> Activity:
    """An ``add-to-cart`` with price, quantity and currency."""
    return _cart_change("add-to-cart", product, quantity)


def remove_from_cart(product: Product, quantity: int = 1) -> Activity:
    """A ``remove-from-cart`` with price, quantity and currency."""
    return _cart_change("remove-from-cart", product, quantity)


def purchases(
    lines: Iterable[tuple[str, int]], products: Mapping[str, Product], order_id: str
) -> list[Activity]:
    """One ``purchase`` per cart line (product id, quantity), all with the same ``orderId``."""
    return [
        {
            "action": "purchase",
            "target": {"product": pid},
            "metadata": {
                "orderId": order_id,
                "price": products[pid].price,
                "quantity": qty,
                "currency": products[pid].currency,
            },
        }
        for pid, qty in lines
    ]


def new_order_id(random_hex: Callable[[], str] = lambda: uuid.uuid4().hex) -> str:
    """A fresh order id: ``ord-`` and 8 hex digits."""
    return f"ord-{random_hex()[:8]}"


def describe(item: Activity) -> str:
    """A short label for the panel: ``add-to-cart p-2``, ``view /cart``."""
    target = item.get("target") or {}
    what = target.get("product") or target.get("pathToPage") or ""
    return f"{item.get('action')} {what}".strip()


def _cart_change(action: str, product: Product, quantity: int) -> Activity:
    return {
        "action": action,
        "target": {"product": product.id},
        "metadata": {"price": product.price, "quantity": quantity, "currency": product.currency},
    }
