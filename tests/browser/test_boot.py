"""The boot of xo.js: imports in slices, no validator built before ready, warm-up after it."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import HEAD
from tests.support.browser import Network
from tests.support.static_site import StaticSite
from xo_web.bundler.boot_modules import BOOT_MODULES

MODELS = "[m.__pydantic_complete__ for m in (models.Metadata, models.User, models.Activity)]"
AT_READY = f"""
xo.ready.then(function () {{
  var py = xo.pyodide;
  window.__built = py.runPython("from xo_web.wire import models; {MODELS}").toJs();
  window.__patched = py.runPython("import sys; 'pyodide_http._urllib' in sys.modules");
  try {{ xo.activity.send({{action: "", target: {{}}}}); }}
  catch (error) {{ window.__refused = error.name + ": " + error.message; }}
  window.__sent = xo.activity.send({{action: "view", target: {{product: "p-1"}}}});
}});
"""


def boot_page() -> str:
    """A page that loads xo.js and, the moment it is ready, records and sends."""
    return (
        f'{HEAD}<title>xo_web boot</title><script src="{BUNDLE_PREFIX}xo.js" '
        f'data-tracker-key="test-key"></script><script>{AT_READY}</script></head><body></body>'
    )


def test_models_are_built_after_ready_and_the_first_send_validates(
    page: Page, site: StaticSite, network: Network
) -> None:
    """At ready no model is built nor urllib patched; a send then validates and sends; the
    idle-time work builds every model and applies pyodide-http's patch."""
    page.goto(site.add_page("/js/boot.html", boot_page()))
    page.wait_for_function("window.__built !== undefined")
    assert page.evaluate("window.__built") == [False, False, False]
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
    page.wait_for_function("window.__built !== undefined")
    page.evaluate("names => { window.__names = names; }", list(BOOT_MODULES))
    missing = page.evaluate(
        "xo.pyodide.runPython('import sys, js; [n for n in js.__names if n not in sys.modules]')"
        ".toJs()"
    )
    assert missing == []
