"""What the page remembers between renders: catalog, cart, who is logged in, the last order.

Also the panel's log of recent sends (the latest :data:`LOG_SIZE`). Plain data and arithmetic:
the browser adapter (``app.py``) owns the one :class:`Shop` of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .cart import Cart
from .catalog import Catalog

LOG_SIZE = 6


@dataclass(frozen=True)
class Order:
    """A placed order, for its confirmation page."""

    order_id: str
    items: int
    total: int  # cents


@dataclass
class Shop:
    """Everything the page remembers between renders."""

    products: Catalog
    cart: Cart = field(default_factory=Cart)
    user_name: str | None = None
    last_order: Order | None = None
    return_to: str = "/"
    log: list[str] = field(default_factory=list)

    def remember(self, lines: list[str]) -> None:
        """Add lines to the panel's log, keeping the latest LOG_SIZE."""
        self.log.extend(lines)
        del self.log[:-LOG_SIZE]

    def place_order(self, order_id: str) -> Order:
        """Record the cart as the last order and empty the cart."""
        order = Order(order_id, items=self.cart.count(), total=self.cart.total(self.products))
        self.last_order = order
        self.cart.clear()
        return order

    def after_login(self) -> str:
        """Where logging in leads: the page the visitor came from, never back to the form."""
        return self.return_to if self.return_to not in ("/login", "") else "/"
