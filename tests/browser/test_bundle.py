"""The offline bundle boots from a sub-path with no request leaving 127.0.0.1."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import STRICT_CSP, js_page, pyscript_page
from tests.support.browser import Network, wait_for
from tests.support.static_site import StaticSite


def test_js_page_reaches_ready_from_a_sub_path(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """A plain JS page with xo.js resolves ``xo.ready`` and has the real SDK attached."""
    url = site.add_page("/shop/plain.html", js_page())
    page.goto(url)
    page.evaluate("window.xo.ready.then(() => { window.booted = true; })")
    wait_for(page, "window.booted === true", boot_timeout_ms)
    assert page.evaluate("typeof window.xo.activity.getSessionId()") == "string"
    assert any(path.startswith(BUNDLE_PREFIX + "pyodide/") for path in site.requested)


def test_js_page_boots_under_a_strict_csp(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """xo.js boots under ``script-src 'self' 'wasm-unsafe-eval'`` (no unsafe-eval)."""
    url = site.add_page(
        "/shop/csp.html", js_page(), headers={"Content-Security-Policy": STRICT_CSP}
    )
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(url)
    page.evaluate("window.xo.ready.then(() => { window.booted = true; })")
    wait_for(page, "window.booted === true", boot_timeout_ms)
    assert violations == []


PYSCRIPT_PROBE = """
import importlib.util
import js
import xo_web
js.window.probe = f"{xo_web.__name__} {importlib.util.find_spec('pydantic') is not None}"
"""


def test_pyscript_page_imports_xo_web_without_pydantic(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """A ``<script type="py">`` page with the bundle's pyscript.json imports xo_web; pydantic
    is not loaded at boot (on first need, or when the page lists it: test_full_validation)."""
    page.goto(site.add_page("/shop/py.html", pyscript_page(PYSCRIPT_PROBE)))
    assert wait_for(page, "window.probe", boot_timeout_ms) == "xo_web False"


def test_legacy_py_script_tag_imports_xo_web(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """The legacy ``<py-script>`` tag runs with the same config."""
    page.goto(site.add_page("/shop/legacy.html", pyscript_page(PYSCRIPT_PROBE, legacy_tag=True)))
    assert wait_for(page, "window.probe", boot_timeout_ms) == "xo_web False"
