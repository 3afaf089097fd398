"""The opt-in mode and the consent platforms end to end in Chromium, on the main thread and in
worker mode (``data-worker``): fake CMPs installed by ``add_init_script``, the collector
intercepted, and for each case the requests seen and what the device holds (localStorage
keys, sessionStorage, cookies) before, at and after the decision."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Frame, Page

from tests.browser.pages import HEAD, js_page, pyscript_page
from tests.support.browser import Network, wait_for
from tests.support.fake_cmps import (
    TCF_GRANTED,
    TCF_REFUSED,
    TCF_UI_SHOWN,
    fake_cmps,
    gpp_ping,
    tc_data,
)
from tests.support.static_site import StaticSite

SESSION, OPT_OUT, GRANT = "attraqtsessionid", "attraqtoptout", "attraqtconsent"
# Sends a view of product p; its outcome lands in window.outcomes. Answers getConsent(), which
# in worker mode the worker answers after it took the send (a barrier).
SEND = """p => {
  window.outcomes = window.outcomes || {};
  xo.activity.send({action: 'view', target: {product: p}}).then(v => { outcomes[p] = v; });
  return xo.activity.getConsent();
}"""


@pytest.fixture(params=["main", "worker"])
def thread(request: pytest.FixtureRequest) -> str:
    """Where the SDK runs: the page's main thread, or a module worker (data-worker)."""
    return str(request.param)


def open_sdk(
    where: Page,
    context: BrowserContext,
    site: StaticSite,
    thread: str,
    *,
    required: bool = True,
    attrs: str = "",
    **cmps: Any,
) -> str:
    """Install the fake platforms, open an xo.js page, wait until the SDK is live; return its
    URL (for framing)."""
    if cmps:
        context.add_init_script(fake_cmps(**cmps))
    attrs += ' data-consent="required"' if required else ""
    attrs += " data-worker" if thread == "worker" else ""
    url = site.add_page(
        f"/consent/{abs(hash((attrs, repr(cmps))))}.html", js_page(extra_attrs=attrs)
    )
    where.goto(url)
    where.evaluate("xo.ready.then(() => true)")
    return url


def device(where: Page | Frame, context: BrowserContext) -> set[str]:
    """The localStorage keys; sessionStorage and cookies must be empty."""
    assert where.evaluate("Object.keys(sessionStorage)") == []
    assert context.cookies() == []
    return set(where.evaluate("Object.keys(localStorage)"))


def wait_accepted(page: Page, network: Network, count: int) -> None:
    """Let the page run until the collector accepted ``count`` activities."""
    for _ in range(200):
        if len(network.accepted) >= count:
            return
        page.wait_for_timeout(50)
    raise TimeoutError(f"expected {count} accepted activities, got {len(network.accepted)}")


def products(network: Network) -> list[str]:
    """The products of every activity the collector received, in order."""
    return [a["target"]["product"] for a in network.activities]


def sessions(network: Network) -> set[str]:
    """The session ids of every activity received."""
    return {a["user"]["identities"]["sessionid"] for a in network.activities}


def test_required_mode_holds_everything_until_opt_in(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, thread: str
) -> None:
    """Pending: nothing stored, nothing sent; optIn() delivers the held sends once, in order,
    with the identities set meanwhile and the session id of what follows."""
    open_sdk(page, context, site, thread)
    page.evaluate("xo.activity.addUserIdentity('crmid', 'c-1')")
    assert page.evaluate(SEND, "p1") == "pending"
    assert page.evaluate(SEND, "p2") == "pending"
    assert device(page, context) == set()
    assert network.collected == []
    page.evaluate("xo.activity.optIn()")
    wait_accepted(page, network, 2)
    assert page.evaluate(SEND, "p3") == "granted"
    wait_accepted(page, network, 3)
    wait_for(page, "window.outcomes.p1 && window.outcomes.p3", 10_000)
    assert products(network) == ["p1", "p2", "p3"]
    assert sessions(network) == {page.evaluate(f"localStorage.getItem('{SESSION}')")}
    assert network.activities[0]["user"]["identities"]["crmid"] == "c-1"
    assert device(page, context) == {SESSION, GRANT}


def test_required_mode_opt_out_drops_the_held_sends_and_stores_only_the_refusal(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, thread: str
) -> None:
    """optOut() while pending: held sends resolve null; only attraqtoptout is stored."""
    open_sdk(page, context, site, thread)
    page.evaluate(SEND, "p1")
    page.evaluate("xo.activity.optOut()")
    wait_for(page, "window.outcomes && 'p1' in window.outcomes", 10_000)
    assert page.evaluate("outcomes.p1") is None
    assert page.evaluate("xo.activity.getConsent()") == "denied"
    assert device(page, context) == {OPT_OUT}
    assert network.collected == []


def test_tcf_banner_then_user_grant_delivers_each_activity_once(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, thread: str
) -> None:
    """cmpuishown: held; useractioncomplete with the purposes: each activity sent once."""
    open_sdk(page, context, site, thread, tcf=TCF_UI_SHOWN)
    assert page.evaluate(SEND, "p1") == "pending"
    assert device(page, context) == set()
    page.evaluate("d => fakeTcf.emit(d)", TCF_GRANTED)
    wait_accepted(page, network, 1)
    assert page.evaluate(SEND, "p2") == "granted"
    wait_accepted(page, network, 2)
    wait_for(page, "window.outcomes.p1 && window.outcomes.p2", 10_000)
    assert products(network) == ["p1", "p2"]
    assert len(sessions(network)) == 1
    assert device(page, context) == {SESSION}


@pytest.mark.parametrize("required", [True, False], ids=["required", "default"])
def test_tcf_refusal_on_tcloaded_stores_and_sends_nothing(
    page: Page,
    context: BrowserContext,
    site: StaticSite,
    network: Network,
    thread: str,
    required: bool,
) -> None:
    """A stored refusal (tcloaded): nothing stored, nothing sent, in both modes."""
    open_sdk(page, context, site, thread, required=required, tcf=TCF_REFUSED)
    assert page.evaluate(SEND, "p1") == "denied"
    wait_for(page, "window.outcomes && 'p1' in window.outcomes", 10_000)
    assert page.evaluate("outcomes.p1") is None
    assert device(page, context) == set()
    assert network.collected == []


def test_tcf_gdpr_not_applying_is_a_grant(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, thread: str
) -> None:
    """gdprApplies false: the opt-in mode sends and stores the session id."""
    open_sdk(page, context, site, thread, tcf=tc_data(gdpr_applies=False))
    assert page.evaluate(SEND, "p1") == "granted"
    wait_accepted(page, network, 1)
    assert device(page, context) == {SESSION}


def test_tcf_in_the_parent_reaches_the_sdk_in_a_cross_origin_frame(
    page: Page,
    context: BrowserContext,
    site: StaticSite,
    other_site: StaticSite,
    network: Network,
    thread: str,
) -> None:
    """The SDK in a frame of another origin hears the parent's CMP through __tcfapiLocator."""
    context.add_init_script(fake_cmps(tcf=TCF_UI_SHOWN))
    attrs = 'data-consent="required"' + (" data-worker" if thread == "worker" else "")
    child = other_site.add_page(f"/consent/child-{thread}.html", js_page(extra_attrs=attrs))
    parent = f"{HEAD}</head><body><iframe src='{child}'></iframe></body></html>"
    page.goto(site.add_page(f"/consent/parent-{thread}.html", parent))
    frame = page.frames[1]
    frame.evaluate("xo.ready.then(() => true)")
    assert frame.evaluate(SEND, "p1") == "pending"
    assert device(frame, context) == set()
    assert network.collected == []
    page.evaluate("d => fakeTcf.emit(d)", TCF_GRANTED)
    wait_accepted(page, network, 1)
    assert device(frame, context) == {SESSION}
    assert products(network) == ["p1"]


@pytest.mark.parametrize("required", [True, False], ids=["required", "default"])
def test_a_cmp_that_never_answers(
    page: Page,
    context: BrowserContext,
    site: StaticSite,
    network: Network,
    thread: str,
    required: bool,
) -> None:
    """No answer: no consent in the opt-in mode; the default mode goes on after the wait."""
    attrs = 'data-consent-wait="200"'
    open_sdk(page, context, site, thread, required=required, attrs=attrs, tcf=None)
    wait_for(page, "xo.consent.verdict() === 'unanswered'", 10_000)
    if required:
        assert page.evaluate(SEND, "p1") == "pending"
        assert device(page, context) == set()
        assert network.collected == []
    else:
        assert page.evaluate(SEND, "p1") == "granted"
        wait_accepted(page, network, 1)
        assert device(page, context) == {SESSION}


def test_withdrawal_after_a_grant_removes_the_session_and_the_outbox(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, thread: str
) -> None:
    """A refusal after a grant: the session id and queued entries go; nothing more is sent."""
    open_sdk(page, context, site, thread, tcf=TCF_GRANTED)
    page.evaluate(SEND, "p1")
    wait_accepted(page, network, 1)
    network.responder = lambda _request: (503, {}, {})
    page.evaluate(SEND, "p2")
    wait_for(page, "'p2' in window.outcomes", 10_000)  # refused with a 503: kept for a retry
    assert any(key.startswith("attraqtoutbox:") for key in device(page, context))
    seen = len(network.collected)
    page.evaluate("d => fakeTcf.emit(d)", tc_data("useractioncomplete"))
    wait_for(page, f"!localStorage.getItem('{SESSION}')", 10_000)
    assert page.evaluate(SEND, "p3") == "denied"
    wait_for(page, "'p3' in window.outcomes", 10_000)
    assert page.evaluate("outcomes.p3") is None
    assert device(page, context) == set()
    assert len(network.collected) == seen


def test_gpp_usnat_opt_out_is_a_refusal(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, thread: str
) -> None:
    """A usnat sale opt-out: the default mode stores and sends nothing."""
    open_sdk(page, context, site, thread, required=False, gpp=gpp_ping(sale_opt_out=1))
    assert page.evaluate(SEND, "p1") == "denied"
    wait_for(page, "window.outcomes && 'p1' in window.outcomes", 10_000)
    assert device(page, context) == set()
    assert network.collected == []


def test_consent_mode_default_denied_then_update_granted(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, thread: str
) -> None:
    """gtag consent default denied: held; update granted: each activity sent once."""
    open_sdk(page, context, site, thread, gcm={"analytics_storage": "denied"})
    assert page.evaluate(SEND, "p1") == "pending"
    assert device(page, context) == set()
    page.evaluate("gtag('consent', 'update', {analytics_storage: 'granted'})")
    wait_accepted(page, network, 1)
    assert page.evaluate(SEND, "p2") == "granted"
    wait_accepted(page, network, 2)
    assert products(network) == ["p1", "p2"]
    assert device(page, context) == {SESSION}


PYSCRIPT_MANUAL = """
import js
from xo_web import activity

activity.init("test-key", consent="required")
activity.add_user_identity("crmid", "c-1")
activity.send({"action": "view", "target": {"product": "p1"}})
js.window.pyDone = activity.consent
"""


def test_pyscript_page_required_mode_until_opt_in(
    page: Page, context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """A PyScript page in the opt-in mode: nothing until optIn(), then the held send once."""
    page.goto(site.add_page("/consent/pyscript.html", pyscript_page(PYSCRIPT_MANUAL)))
    assert wait_for(page, "window.pyDone", 60_000) == "pending"
    wait_for(page, "window.xo && window.xo.ready", 10_000)  # xo.js, injected by xo_web
    page.evaluate("xo.ready.then(() => true)")
    assert device(page, context) == set()
    assert network.collected == []
    page.evaluate("xo.activity.optIn()")
    wait_accepted(page, network, 1)
    assert products(network) == ["p1"]
    assert network.activities[0]["user"]["identities"]["crmid"] == "c-1"
    assert device(page, context) == {SESSION, GRANT}


def test_worker_page_hide_stores_no_calls_while_pending(
    page: Page, context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """Worker mode, pending: a page hide keeps no unanswered call (attraqtpending:*) on the
    device, as it would for a later page once consent is granted."""
    open_sdk(page, context, site, "worker")
    keys = page.evaluate(
        """() => {
      xo.activity.send({action: 'view', target: {product: 'p1'}});  // not answered yet
      window.dispatchEvent(new PageTransitionEvent('pagehide'));
      return Object.keys(localStorage);
    }"""
    )
    assert keys == []
    assert device(page, context) == set()
    assert network.collected == []


PYSCRIPT_WORKER = """
from xo_web import activity

activity.init("test-key", consent="required")
activity.add_user_identity("crmid", "c-1")
activity.send({"action": "view", "target": {"product": "p1"}})
"""


def test_pyscript_worker_hears_the_tcf_grant(
    page: Page, context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """A PyScript worker in the opt-in mode hears the page's CMP through the bridge: nothing
    stored or sent while the banner is up, the held send once after the grant."""
    from tests.browser.test_worker import pyscript_worker_page

    context.add_init_script(fake_cmps(tcf=TCF_UI_SHOWN))
    page.goto(site.add_page("/consent/pyworker.html", pyscript_worker_page(PYSCRIPT_WORKER)))
    wait_for(page, "xo.consent.state() === 'pending'", 60_000)  # the worker said so
    assert device(page, context) == set()
    assert network.collected == []
    page.evaluate("d => fakeTcf.emit(d)", TCF_GRANTED)
    wait_accepted(page, network, 1)
    assert products(network) == ["p1"]
    assert network.activities[0]["user"]["identities"]["crmid"] == "c-1"
    assert device(page, context) == {SESSION}
