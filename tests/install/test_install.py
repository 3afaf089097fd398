"""`pip install` then `xo-web build`, far from the checkout: served by the docs' recipe, booted.

The wheel is built with ``python -m build``, installed into a fresh venv, and run in an empty
project folder with an empty cache; Chromium then boots the result from a JS page and a PyScript
page served by the Starlette recipe of docs/serving.md, with no request leaving 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.request import urlopen

from playwright.sync_api import Page, Route

from tests.install.conftest import Installed, Shop
from tests.support.browser import Network, wait_for, wait_for_collected

HEAD = "<!doctype html><html><head><meta charset='utf-8'><link rel='icon' href='data:,'>"


def serve_page(page: Page, origin: str, name: str, html: str) -> str:
    """Answer ``origin/shop/name`` with ``html`` (the shop's own page); return its URL."""
    url = f"{origin}/shop/{name}"

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=html)

    page.context.route(url, fulfil)
    return url


def test_a_cold_build_fills_the_empty_cache_from_the_registries(shop: Shop) -> None:
    """The first build downloads the npm tarballs and wheels into XO_WEB_CACHE, nowhere else."""
    assert sorted(p.name for p in (shop.cache / "npm").glob("*.tgz")) == [
        "pyodide-314.0.7.tgz",
        "pyscript-core-0.7.31.tgz",
    ]
    assert (shop.cache / "wheels" / "pydantic-2.14.4-py3-none-any.whl").is_file()
    assert not (shop.folder / "node_modules").exists()
    assert "written to public/xo" in shop.build.stdout


def test_the_shop_requirement_is_pinned_in_the_lock_and_the_manifest(shop: Shop) -> None:
    """six is served, listed in the lock with its real sha256, in pyscript.json and bundle.json."""
    lock = json.loads((shop.bundle / "pyodide" / "pyodide-lock.json").read_text())
    entry = lock["packages"]["six"]
    served = (shop.bundle / "pyodide" / entry["file_name"]).read_bytes()
    assert hashlib.sha256(served).hexdigest() == entry["sha256"]
    assert entry["imports"] == ["six"]
    assert json.loads((shop.bundle / "pyscript.json").read_text())["packages"] == ["xo_web", "six"]
    [recorded] = json.loads((shop.bundle / "bundle.json").read_text())["shop"]
    assert (recorded["name"], recorded["version"]) == ("six", "1.17.0")
    cached = shop.cache / "shop" / recorded["file"]
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == recorded["sha256"]


def test_the_starlette_recipe_sends_the_types_and_caching_that_matter(
    shop: Shop, recipe_server: str
) -> None:
    """The recipe serves .wasm as application/wasm, .mjs as JavaScript, cached for good."""
    base = f"{recipe_server}{shop.xo_path}/pyodide/"
    for name, kind in (("pyodide.asm.wasm", "application/wasm"), ("pyodide.mjs", "javascript")):
        with urlopen(base + name, timeout=10) as response:
            assert kind in response.headers["Content-Type"], name
            assert "immutable" in response.headers["Cache-Control"], name


def test_a_js_page_boots_the_installed_build(
    page: Page, network: Network, shop: Shop, recipe_server: str, boot_timeout_ms: int
) -> None:
    """xo.js from the recipe's server boots Pyodide with xo_web and sends a queued activity."""
    html = (
        f'{HEAD}<script src="{shop.xo_path}/xo.js" data-tracker-key="test-key"></script>'
        "<script>xo.activity.send({action: 'view', target: {pathToPage: '/'}});"
        "xo.ready.then(() => { window.__session = xo.activity.getSessionId(); });</script>"
        "</head><body></body></html>"
    )
    page.goto(serve_page(page, recipe_server, "js.html", html))
    assert wait_for(page, "window.__session", boot_timeout_ms)
    wait_for_collected(page, network, 1)
    assert network.activities[0]["action"] == "view"


def test_a_pyscript_page_imports_the_shop_package_next_to_xo_web(
    page: Page, network: Network, shop: Shop, recipe_server: str, boot_timeout_ms: int
) -> None:
    """A PyScript page imports six (added with --requirement) and sends through xo_web."""
    python = (
        "import js, six\n"
        "from xo_web import activity\n"
        "activity.init('test-key')\n"
        "activity.send({'action': 'view', 'target': {'pathToPage': '/py'}})\n"
        "js.window.__shop = f'six {six.__version__}'\n"
    )
    html = (
        f'{HEAD}<script type="module" src="{shop.xo_path}/pyscript/core.js"></script></head>'
        f'<body><script type="py" config="{shop.xo_path}/pyscript.json">{python}</script>'
        "</body></html>"
    )
    page.goto(serve_page(page, recipe_server, "py.html", html))
    assert wait_for(page, "window.__shop", boot_timeout_ms) == "six 1.17.0"
    wait_for_collected(page, network, 1)
    assert network.activities[0]["target"] == {"pathToPage": "/py"}


def test_an_offline_build_from_the_warm_cache_needs_no_network_and_no_node(
    installed: Installed, shop: Shop
) -> None:
    """--offline rebuilds from the cache alone; without Node it ships sources and says so once."""
    only_the_venv = str(installed.venv / "bin")  # no node on this PATH
    build = installed.xo_web(
        "build", "offline/xo", "--offline", "--requirement", "requirements.txt",
        cwd=shop.folder, cache=shop.cache, path=only_the_venv,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    assert build.stderr.count("Node.js not found") == 1
    assert "compiled in the browser at import" in build.stderr
    manifest = json.loads((shop.folder / "offline" / "xo" / "bundle.json").read_text())
    assert manifest["byte_compiled"] is False
    assert [wheel["name"] for wheel in manifest["shop"]] == ["six"]


def test_an_offline_build_with_an_empty_cache_fails_clearly_and_touches_nothing(
    installed: Installed, shop: Shop, tmp_path: Path
) -> None:
    """With nothing cached, --offline exits 2 with one line, and the old bundle stays as it was."""
    out = tmp_path / "site" / "xo"
    out.mkdir(parents=True)
    (out / "bundle.json").write_text('{"previous": true}')
    build = installed.xo_web(
        "build", str(out), "--offline", cwd=shop.folder, cache=tmp_path / "empty-cache"
    )
    assert build.returncode == 2
    [line] = build.stderr.splitlines()
    assert line.startswith("xo-web: ")
    assert "xo-web fetch" in line
    assert [p.name for p in out.iterdir()] == ["bundle.json"]
    assert (out / "bundle.json").read_text() == '{"previous": true}'
    assert [p.name for p in out.parent.iterdir()] == ["xo"]
