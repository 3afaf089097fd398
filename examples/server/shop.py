"""What every recipe shares: its configuration from the environment and the purchase it sends."""

import os

from xo_web.server import SenderSettings

__all__ = ["collect_url", "outbox", "purchase", "settings", "tracker_key"]


def tracker_key() -> str:
    """The tracker key (``XO_TRACKER_KEY``)."""
    return os.environ.get("XO_TRACKER_KEY", "example-key")


def collect_url() -> str | None:
    """Where activities go (``XO_COLLECT_URL``); None: the real XO collector."""
    return os.environ.get("XO_COLLECT_URL") or None


def outbox() -> str:
    """The durable outbox (``XO_OUTBOX``): a SQLite file by default, or a PostgreSQL DSN."""
    return os.environ.get("XO_OUTBOX", "sqlite:///xo-outbox.db")


def settings() -> SenderSettings | None:
    """The sender's settings: the defaults, or ``XO_POLL_S`` (how often an idle sender looks
    for activities other processes recorded; the tests make it long, so that each process
    must deliver its own sends)."""
    poll_s = os.environ.get("XO_POLL_S")
    return SenderSettings(poll_s=float(poll_s)) if poll_s else None


def purchase(order_id: str, *, price: int = 4200, sku: str = "SKU-1") -> dict[str, object]:
    """The activity a backend sends once the payment is confirmed."""
    return {
        "action": "purchase",
        "target": {"product": sku},
        "metadata": {"orderId": order_id, "price": price, "quantity": 1, "currency": "EUR"},
    }
