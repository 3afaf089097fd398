"""The bundle served by the Starlette recipe (BundleFiles): compressed on the wire, still fast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import js_page
from tests.support.asgi_site import serve_asgi
from tests.support.browser import Network, wait_for
from xo_web.bundler.static import BundleFiles

# Records every WebAssembly streaming compile that succeeded, and the type it was given.
STREAMING_PROBE = """
window.streamed = [];
for (const name of ["compileStreaming", "instantiateStreaming"]) {
  const original = WebAssembly[name];
  WebAssembly[name] = async function (source, ...rest) {
    const response = await source;
    const result = await original.call(this, response, ...rest);
    window.streamed.push([name, response.url, response.headers.get("content-type")]);
    return result;
  };
}
"""


@pytest.fixture(scope="module")
def recipe_origin(bundle_dir: Path) -> Iterator[str]:
    """The bundle under BUNDLE_PREFIX through BundleFiles, and a plain xo.js page."""

    async def shop(request: object) -> HTMLResponse:
        return HTMLResponse(js_page())

    app = Starlette(
        routes=[
            Route("/shop/recipe.html", shop),
            Mount(BUNDLE_PREFIX.rstrip("/"), app=BundleFiles(directory=bundle_dir)),
        ]
    )
    with serve_asgi(app) as origin:
        yield origin


def test_the_wasm_arrives_brotli_encoded_and_still_compiles_streaming(
    page: Page, recipe_origin: str, network: Network, boot_timeout_ms: int
) -> None:
    """The runtime's wasm comes as br with application/wasm, and xo.js boots by streaming it."""
    wasm: list[Response] = []
    page.on("response", lambda r: wasm.append(r) if r.url.endswith(".asm.wasm") else None)
    page.add_init_script(STREAMING_PROBE)
    page.goto(f"{recipe_origin}/shop/recipe.html")
    page.evaluate("window.xo.ready.then(() => { window.booted = true; })")
    wait_for(page, "window.booted === true", boot_timeout_ms)
    [response] = wasm
    headers = response.all_headers()
    assert headers["content-encoding"] == "br"
    assert headers["content-type"] == "application/wasm"
    assert headers["vary"] == "Accept-Encoding"
    streamed = page.evaluate("window.streamed")
    assert [url.rsplit("/", 1)[1] for _, url, _ in streamed] == ["pyodide.asm.wasm"]
    assert streamed[0][2] == "application/wasm"
