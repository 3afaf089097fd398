"""The demo server's routing, without a browser: bundle MIME types, SPA fallback, catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from demo.__main__ import urls
from demo.server import create_demo_app, load_catalog


@pytest.fixture
def client(tmp_path: Path):
    """The demo app over a minimal fake bundle (the real one is built by the browser test)."""
    bundle = tmp_path / "xo"
    (bundle / "pyodide").mkdir(parents=True)
    (bundle / "pyscript").mkdir()
    (bundle / "pyscript.json").write_text('{"interpreter": "/xo/pyodide/pyodide.mjs"}')
    (bundle / "pyodide" / "pyodide.mjs").write_text("export {};")
    (bundle / "pyodide" / "pyodide.asm.wasm").write_bytes(b"\0asm\1\0\0\0")
    (bundle / "pyscript" / "core.js").write_text("export {};")
    (bundle / "xo.js").write_text("/* loader */")
    app = create_demo_app(bundle_dir=bundle, data_dir=tmp_path / "data")
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/xo/pyodide/pyodide.mjs", "text/javascript"),
        ("/xo/pyodide/pyodide.asm.wasm", "application/wasm"),
        ("/xo/pyscript/core.js", "text/javascript"),
        ("/xo/xo.js", "text/javascript"),
        ("/xo/pyscript.json", "application/json"),
        ("/app.py", "text/x-python"),
        ("/style.css", "text/css"),
        ("/app.js", "text/javascript"),
    ],
)
def test_static_files_have_the_right_content_type(client, path, content_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == content_type
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["/", "/product/p-1", "/cart", "/checkout", "/login", "/category/home", "/order/x"]
)
def test_client_side_routes_get_the_spa(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="py" src="/app.py" config="/pyscript.json">' in response.text
    csp = response.headers["content-security-policy"]
    assert "connect-src 'self'" in csp


@pytest.mark.parametrize(
    "path",
    ["/xo", "/xo/missing.js", "/collect", "/collect/demo", "/api/nope", "/inspector/x",
     "/missing.png", "/../demo/server.py", "/%2e%2e/server.py"],
)  # fmt: skip
def test_reserved_and_missing_paths_are_not_swallowed(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert not response.headers["content-type"].startswith("text/html")


def test_collector_routes_still_answer(client):
    assert client.get("/inspector").headers["content-type"].startswith("text/html")
    assert client.get("/api/health").json()["status"] == "ok"
    posted = client.post(
        "/collect/demo",
        json=[
            {
                "action": "view",
                "target": {"pathToPage": "/"},
                "user": {"identities": {"sessionid": "s-1"}},
            }
        ],
    )
    assert posted.status_code == 200
    assert client.get("/api/profiles").json()[0]["sessionIds"] == ["s-1"]


def test_catalog_is_served_as_json(client):
    catalog = client.get("/api/catalog").json()
    assert catalog == load_catalog()
    products = catalog["products"]
    assert 6 <= len(products) <= 8
    for product in products:
        assert {"id", "name", "price", "currency", "category"} <= set(product)
        assert isinstance(product["price"], int)
        assert product["currency"] == "EUR"


def test_missing_bundle_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="make bundle"):
        create_demo_app(bundle_dir=tmp_path / "nope", data_dir=tmp_path / "data")


def test_printed_urls():
    assert urls("127.0.0.1", 8000) == {
        "storefront": "http://127.0.0.1:8000/",
        "inspector": "http://127.0.0.1:8000/inspector",
        "collect_url": "http://127.0.0.1:8000/xo-relay",
        "collector": "http://127.0.0.1:8000/collect",
    }


def test_the_storefront_path_goes_through_the_relay_to_the_collector(client):
    """POST /xo-relay/demo reaches the collector, which records the relay's Via header."""
    posted = client.post(
        "/xo-relay/demo",
        json=[{"action": "view", "target": {}, "user": {"identities": {"sessionid": "s-2"}}}],
        headers={"Origin": "http://127.0.0.1:8000", "X-SDK": "1"},
    )
    assert posted.status_code == 200
    assert "profiles" in posted.json()
    stored = client.get("/api/activities").json()
    assert [(a["sessionId"], a["via"]) for a in stored] == [("s-2", "1.1 xo-web-relay")]


def test_a_direct_post_is_shown_as_direct(client):
    """An activity posted straight to /collect carries no Via: the inspector shows it direct."""
    client.post("/collect/demo", json=[{"action": "view", "target": {}}])
    assert client.get("/api/activities").json()[0]["via"] is None
