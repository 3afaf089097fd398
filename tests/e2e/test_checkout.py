"""The demo's backend checkout (/api/checkout), without a browser: purchases through
xo_web.server to a local sink, with the session id of the browser's cookie."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from demo.server import create_demo_app, load_catalog
from tests.support.sink import Sink

SESSION = "c4ec0000-0000-4000-8000-000000000017"
PRICES = {p["id"]: p["price"] for p in load_catalog()["products"]}


def fake_bundle(root: Path) -> Path:
    """The least a bundle folder needs for create_demo_app."""
    bundle = root / "xo"
    bundle.mkdir()
    (bundle / "pyscript.json").write_text('{"interpreter": "/xo/pyodide/pyodide.mjs"}')
    return bundle


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[TestClient, Sink]]:
    """The demo app whose backend's tracker posts to a sink (its lifespan runs)."""
    with Sink() as sink:
        app = create_demo_app(
            bundle_dir=fake_bundle(tmp_path),
            data_dir=tmp_path / "data",
            backend_collect_url=sink.url,
        )
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            yield client, sink


def order(**overrides: Any) -> dict[str, Any]:
    """A checkout body: two lines, a logged-in customer."""
    return {"orderId": "ord-1234abcd", "lines": [["p-4", 2], ["p-3", 1]],
            "customerId": "cust-ada", **overrides}  # fmt: skip


def test_checkout_sends_the_purchases_with_the_cookies_session(
    shop: tuple[TestClient, Sink],
) -> None:
    """A confirmed order sends one purchase per line with the cookie's session id."""
    client, sink = shop
    client.cookies.set("attraqtsessionid", SESSION)
    answer = client.post("/api/checkout", json=order())
    assert answer.status_code == 200
    assert answer.json() == {"orderId": "ord-1234abcd", "recorded": 2, "sessionId": SESSION}
    assert sink.wait_until(lambda: len(sink.accepted()) == 2)
    sent = sink.accepted()
    assert [a["target"]["product"] for a in sent] == ["p-4", "p-3"]
    assert sent[0]["metadata"] == {
        "orderId": "ord-1234abcd", "price": PRICES["p-4"], "quantity": 2, "currency": "EUR"
    }  # fmt: skip
    assert {str(a["user"]["identities"]) for a in sent} == {
        str({"sessionid": SESSION, "ecommerceid": "cust-ada"})
    }
    assert sink.requests[0].path == "/demo"


@pytest.mark.parametrize(
    "body",
    [
        order(lines=[["p-404", 1]]),
        order(lines=[["p-4", 0]]),
        order(lines=[]),
        order(orderId=""),
        order(customerId=7),
        ["not", "an", "object"],
    ],
)
def test_a_bad_order_is_refused_and_nothing_is_sent(
    shop: tuple[TestClient, Sink], body: object
) -> None:
    """An order the catalog does not back is answered 422, and nothing is recorded."""
    client, sink = shop
    assert client.post("/api/checkout", json=body).status_code == 422
    assert client.post("/api/checkout", json=order(orderId="ord-after")).status_code == 200
    assert sink.wait_until(lambda: len(sink.accepted()) == 2)
    assert {a["metadata"]["orderId"] for a in sink.accepted()} == {"ord-after"}


def test_without_a_backend_there_is_no_checkout_route(tmp_path: Path) -> None:
    """Without backend_collect_url the demo has no /api/checkout (the page then sends)."""
    app = create_demo_app(bundle_dir=fake_bundle(tmp_path), data_dir=tmp_path / "data")
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.post("/api/checkout", json=order()).status_code in (404, 405)
