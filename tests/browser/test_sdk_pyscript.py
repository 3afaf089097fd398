"""The SDK from Python on PyScript pages: the happy flow, in both tag styles."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import pyscript_page
from tests.support.browser import Network, wait_for
from tests.support.static_site import StaticSite

HAPPY_FLOW = """
import js
from xo_web import activity, ValidationError

activity.init("test-key")
first_session = activity.session_id
await activity.send({"action": "view", "target": {"pathToPage": "/"}})
activity.add_user_identity("ecommerceId", "cust-42")
activity.add_user_segment("vip")
activity.set_user_traits({"age": 45, "buyer": True})
await activity.send({"action": "view", "target": {"product": "p-1"}})
try:  # refused at its awaitable (raised at the call once pydantic is loaded)
    await activity.send({"action": "view", "target": {"product": {"nested": 1}}})
except ValidationError as error:
    js.window.pyError = str(error)
activity.clear_user()
await activity.send({"action": "view", "target": {"pathToPage": "/bye"}})
js.window.sessions = [first_session, activity.session_id]
js.window.flowDone = True
"""


@pytest.mark.parametrize("legacy_tag", [False, True], ids=["script-type-py", "py-script-tag"])
def test_happy_flow_from_python(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int, legacy_tag: bool
) -> None:
    """Arrive, log in, log out (SPA) from Python: ids, segments and traits as expected."""
    url = site.add_page(
        f"/py/flow-{legacy_tag}.html", pyscript_page(HAPPY_FLOW, legacy_tag=legacy_tag)
    )
    page.goto(url)
    wait_for(page, "window.flowDone === true", boot_timeout_ms)
    first_session, new_session = page.evaluate("window.sessions")
    anonymous, logged_in, after_logout = network.activities
    assert anonymous["user"]["identities"] == {"sessionid": first_session}
    assert logged_in["user"] == {
        "identities": {"sessionid": first_session, "ecommerceid": "cust-42"},
        "segments": ["vip"],
        "traits": {"age": 45, "buyer": True},
    }
    assert new_session != first_session
    assert after_logout["user"] == {
        "identities": {"sessionid": new_session},
        "segments": [],
        "traits": {},
    }
    assert page.evaluate("localStorage.getItem('attraqtsessionid')") == new_session
    assert "target.product" in page.evaluate("window.pyError")


PYTHON_INIT_THEN_JS = """
import js
from xo_web import activity

activity.init("test-key")
js.window.pythonSession = activity.session_id
"""


def test_python_init_installs_the_js_api_for_the_page(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """After ``activity.init`` in Python, page JS can use ``xo.activity`` on the same user."""
    page.goto(site.add_page("/py/js-api.html", pyscript_page(PYTHON_INIT_THEN_JS)))
    wait_for(page, "window.pythonSession", boot_timeout_ms)
    # xo_web injects xo.js (stub mode) on such a page; it may still be loading here.
    wait_for(page, "window.xo !== undefined && window.xo.ready !== undefined", boot_timeout_ms)
    assert page.evaluate("xo.ready.then(() => true)") is True
    assert page.evaluate("xo.activity.getSessionId()") == page.evaluate("window.pythonSession")
    page.evaluate("xo.activity.send({action: 'click', target: {product: 'p-9'}})")
    assert network.activities[0]["target"] == {"product": "p-9"}


URLLIB_ON_PYSCRIPT = """
import js
import urllib.request
import xo_web

with urllib.request.urlopen(js.location.origin + "/py/data.json") as response:
    js.window.fetched = response.read().decode()
"""


def test_urllib_works_on_a_pyscript_page_that_imports_xo_web(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """Importing xo_web patches urllib (pyodide-http), so page code can fetch JSON."""
    site.add_page("/py/data.json", '{"hello": "catalog"}')
    page.goto(site.add_page("/py/urllib.html", pyscript_page(URLLIB_ON_PYSCRIPT)))
    assert wait_for(page, "window.fetched", boot_timeout_ms) == '{"hello": "catalog"}'


STUB_FIRST_HEAD = (
    '<script src="{prefix}xo.js" data-boot="false"></script>'
    "<script>xo.activity.send({{action: 'view', target: {{pathToPage: '/early'}}}})"
    ".then(outcome => {{ window.earlyOutcome = outcome; }});</script>"
)
PYTHON_INIT_ONLY = """
from xo_web import activity

activity.init("test-key")
"""


def test_page_js_queued_before_python_runs_is_sent_at_init(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """With xo.js in stub mode in the head, page JS can send before Python has even booted."""
    head = STUB_FIRST_HEAD.format(prefix=BUNDLE_PREFIX)
    page.goto(site.add_page("/py/stub-first.html", pyscript_page(PYTHON_INIT_ONLY, head=head)))
    outcome = wait_for(page, "window.earlyOutcome", boot_timeout_ms)
    assert outcome["ok"] is True
    assert network.activities[0]["target"] == {"pathToPage": "/early"}
    assert page.evaluate("document.querySelectorAll('script[src$=\"xo.js\"]').length") == 1
