"""The boot of xo.js: imports in slices, no pydantic before ready, loaded on first need."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import HEAD
from tests.support.browser import Network
from tests.support.static_site import StaticSite
from xo_web.bundler.boot_modules import BOOT_MODULES

MODELS = "[m.__pydantic_complete__ for m in (models.Metadata, models.User, models.Activity)]"
AT_READY = """
xo.ready.then(function () {
  var py = xo.pyodide;
  window.__loaded = Object.keys(py.loadedPackages).filter(function (name) {
    return name.indexOf("pydantic") === 0;
  });
  window.__patched = py.runPython("import sys; 'pyodide_http._urllib' in sys.modules");
  window.__refused = xo.activity.send({action: "", target: {}}).then(
    function () { return "sent"; }, function (error) { return error.name + ": " + error.message; });
  window.__sent = xo.activity.send({action: "view", target: {product: "p-1"}});
});
"""


def boot_page() -> str:
    """A page that loads xo.js and, the moment it is ready, records and sends."""
    return (
        f'{HEAD}<title>xo_web boot</title><script src="{BUNDLE_PREFIX}xo.js" '
        f'data-tracker-key="test-key"></script><script>{AT_READY}</script></head><body></body>'
    )


def test_pydantic_loads_after_ready_on_first_need_and_the_first_error_is_its_own(
    page: Page, site: StaticSite, network: Network
) -> None:
    """At ready pydantic is not loaded nor urllib patched; an invalid send loads it and is
    refused at its Promise with pydantic's wording, the valid send after it goes out, every
    model is built, and the idle-time work applies pyodide-http's patch."""
    page.goto(site.add_page("/js/boot.html", boot_page()))
    page.wait_for_function("window.__sent !== undefined")
    assert page.evaluate("window.__loaded") == []
    assert page.evaluate("window.__patched") is False
    assert page.evaluate("window.__refused") == (
        "TypeError: The provided activity does not match the required format. "
        "action: must not be empty"
    )
    assert page.evaluate("window.__sent.then(function (outcome) { return !!outcome; })") is True
    assert [a["target"] for a in network.activities] == [{"product": "p-1"}]
    page.wait_for_function(f"xo.pyodide.runPython('from xo_web.wire import models; all({MODELS})')")
    page.wait_for_function(
        "xo.pyodide.runPython('import urllib.request as u; u.urlopen.__module__')"
        " === 'pyodide_http._urllib'"
    )


def test_the_boot_imported_every_listed_module(page: Page, site: StaticSite) -> None:
    """Every module of BOOT_MODULES is imported once xo.ready resolves (none was skipped)."""
    page.goto(site.add_page("/js/boot-modules.html", boot_page()))
    page.wait_for_function("window.__sent !== undefined")
    page.evaluate("names => { window.__names = names; }", list(BOOT_MODULES))
    missing = page.evaluate(
        "xo.pyodide.runPython('import sys, js; [n for n in js.__names if n not in sys.modules]')"
        ".toJs()"
    )
    assert missing == []
