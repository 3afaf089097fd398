"""The demo shop's backend: the checkout confirmed server-side through ``xo_web.server``.

``POST /api/checkout`` ``{"orderId", "lines": [[product id, quantity], ...], "customerId"?}``
is what a shop's backend does once payment is confirmed: it checks the order against the
catalog and records one ``purchase`` per line durably (``Tracker.asend``, a SQLite outbox in
the demo's data folder), with the visitor's browser session id read from the
``attraqtsessionid`` cookie (the storefront inits with ``session_cookie=True``) and the
customer's e-commerce id. The tracker's sender posts them to the demo's own ``/collect``, so
the collector's stitching puts them in the same visitor's timeline as the browser's activities.
The tracker lives from the app's startup to its shutdown (``xo_web.server.integrations``'s
lifespan, which works for any Starlette app).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from demo.collector.errors import Rejected
from demo.collector.intake import read_json
from demo.storefront.shop.activities import purchases
from demo.storefront.shop.cart import MAX_QUANTITY
from demo.storefront.shop.catalog import Product, parse_catalog
from xo_web.errors import XoError
from xo_web.server import session_id_from, user_from
from xo_web.server.integrations.fastapi import lifespan, tracker_of

TRACKER_KEY = "demo"
CHECKOUT_BODY_MAX_BYTES = 8 * 1024
MAX_LINES = 50


def backend_lifespan(collect_url: str, data_dir: Path) -> Any:
    """The lifespan that makes the backend's Tracker (outbox: ``<data_dir>/outbox.sqlite3``)."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    outbox = f"sqlite:///{Path(data_dir).resolve() / 'outbox.sqlite3'}"
    return lifespan(TRACKER_KEY, collect_url=collect_url, outbox=outbox)


def parse_order(
    body: object, products: Mapping[str, Product]
) -> tuple[str, list[tuple[str, int]], str | None]:
    """Return (order id, lines, customer id) from a checkout body; Rejected(422) if bad."""
    if not isinstance(body, dict):
        raise Rejected(422, "the checkout body must be an object")
    order_id, lines, customer = body.get("orderId"), body.get("lines"), body.get("customerId")
    if not isinstance(order_id, str) or not 1 <= len(order_id) <= 64:
        raise Rejected(422, "orderId must be a string of 1 to 64 characters")
    if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LINES:
        raise Rejected(422, f"lines must hold 1 to {MAX_LINES} [product id, quantity] pairs")
    parsed: list[tuple[str, int]] = []
    for line in lines:
        if not (isinstance(line, list) and len(line) == 2 and line[0] in products):
            raise Rejected(422, f"unknown product in line {line!r}")
        quantity = line[1]
        if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
            raise Rejected(422, f"quantity must be 1 to {MAX_QUANTITY} in line {line!r}")
        parsed.append((line[0], quantity))
    if customer is not None and not isinstance(customer, str):
        raise Rejected(422, "customerId must be a string")
    return order_id, parsed, customer or None


def checkout_routes(catalog: Mapping[str, Any]) -> list[BaseRoute]:
    """``POST /api/checkout`` over the demo's catalog."""
    products = parse_catalog(catalog)

    async def checkout(request: Request) -> Response:
        order_id, lines, customer = parse_order(
            await read_json(request, CHECKOUT_BODY_MAX_BYTES), products
        )
        identities = {"ecommerceid": customer} if customer else {}
        user = user_from(request, **identities)
        try:  # durable on return: the purchase is kept even if the process dies right now
            await tracker_of(request).asend(purchases(lines, products, order_id), user=user)
        except XoError as error:
            raise Rejected(422, str(error)) from None
        return JSONResponse(
            {"orderId": order_id, "recorded": len(lines), "sessionId": session_id_from(request)}
        )

    return [Route("/api/checkout", checkout, methods=["POST"])]


__all__ = ["TRACKER_KEY", "backend_lifespan", "checkout_routes", "parse_order"]
