"""The cart: a quantity per product id (in the order products were first added) and totals.

A line holds 1 to :data:`MAX_QUANTITY` items; removing the last item removes the line.
"""

from __future__ import annotations

from collections.abc import Mapping

from .catalog import Product

MAX_QUANTITY = 9


class Cart:
    """Quantities by product id; prices come from the catalog when totals are asked for."""

    def __init__(self) -> None:
        self._lines: dict[str, int] = {}

    def __bool__(self) -> bool:
        return bool(self._lines)

    def quantity(self, product_id: str) -> int:
        """How many of ``product_id`` are in the cart (0 when none)."""
        return self._lines.get(product_id, 0)

    def add(self, product_id: str) -> bool:
        """Add one item; False (and no change) when the line already holds MAX_QUANTITY."""
        if self.quantity(product_id) >= MAX_QUANTITY:
            return False
        self._lines[product_id] = self.quantity(product_id) + 1
        return True

    def remove(self, product_id: str) -> bool:
        """Remove one item, and the line with its last item; False when it is not in the cart."""
        if product_id not in self._lines:
            return False
        self._lines[product_id] -= 1
        if self._lines[product_id] <= 0:
            del self._lines[product_id]
        return True

    def clear(self) -> None:
        """Empty the cart."""
        self._lines.clear()

    def lines(self) -> list[tuple[str, int]]:
        """(product id, quantity) pairs, in the order the products were first added."""
        return list(self._lines.items())

    def count(self) -> int:
        """How many items are in the cart."""
        return sum(self._lines.values())

    def total(self, products: Mapping[str, Product]) -> int:
        """The cart's total in cents, at the catalog's prices."""
        return sum(products[pid].price * qty for pid, qty in self._lines.items())
