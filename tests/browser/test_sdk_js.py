"""The SDK from page JavaScript: identities, segments, traits, clearUser, queue, privacy."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Error, Page

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import js_page
from tests.support.browser import Network, wait_for, wait_for_collected
from tests.support.static_site import StaticSite

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
VIEW = "{action: 'view', target: {product: 'p-1'}}"
COLLECTOR = "https://collect-eu.attraqt.io/test-key"


def open_page(page: Page, site: StaticSite, before: str = "", **page_options: Any) -> None:
    """Open a JS page with xo.js and wait until ``xo.ready`` resolves."""
    page.goto(site.add_page("/js/sdk.html", js_page(before, **page_options)))
    assert page.evaluate("xo.ready.then(() => true)") is True


def send(page: Page, activity: str = VIEW) -> Any:
    """Call ``xo.activity.send`` and return the awaited outcome."""
    return page.evaluate(f"xo.activity.send({activity})")


def stored_session_id(page: Page) -> str | None:
    """Return what localStorage holds under ``attraqtsessionid``."""
    value = page.evaluate("localStorage.getItem('attraqtsessionid')")
    assert value is None or isinstance(value, str)
    return value


def test_first_visit_sends_a_stored_uuid_session_id(
    page: Page, site: StaticSite, network: Network
) -> None:
    """The first event carries a UUID v4 session id that is also in localStorage."""
    open_page(page, site)
    send(page)
    [activity] = network.activities
    session_id = activity["user"]["identities"]["sessionid"]
    assert UUID4.match(session_id)
    assert stored_session_id(page) == session_id


def test_request_is_a_json_array_post_with_the_sdk_headers(
    page: Page, site: StaticSite, network: Network
) -> None:
    """The collector gets a POST of a JSON array to its tracker-key URL with X-SDK: 1."""
    open_page(page, site)
    send(page)
    [request] = network.collected
    assert request.url == COLLECTOR
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-sdk"] == "1"
    assert isinstance(request.body, list)
    assert request.body[0]["action"] == "view"
    assert request.body[0]["target"] == {"product": "p-1"}


def test_send_resolves_with_the_status_and_parsed_profiles(
    page: Page, site: StaticSite, network: Network
) -> None:
    """``send`` resolves with the status, ok and the collector's parsed ``profiles``."""
    open_page(page, site)
    outcome = send(page)
    assert outcome["status"] == 200
    assert outcome["ok"] is True
    assert outcome["profiles"] == {"demo": {"score": 1}}


def test_reload_keeps_the_session_id(page: Page, site: StaticSite, network: Network) -> None:
    """After a reload the same session id is read back and sent."""
    open_page(page, site)
    send(page)
    page.reload()
    assert page.evaluate("xo.ready.then(() => true)") is True
    send(page)
    first, second = network.activities
    assert first["user"]["identities"]["sessionid"] == second["user"]["identities"]["sessionid"]


def test_login_adds_the_ecommerce_id_next_to_the_session_id(
    page: Page, site: StaticSite, network: Network
) -> None:
    """``addUserIdentity('ecommerceId', …)`` makes later events carry both ids, lower-cased."""
    open_page(page, site)
    session_id = page.evaluate("xo.activity.getSessionId()")
    page.evaluate("xo.activity.addUserIdentity('ecommerceId', 'cust-42')")
    send(page)
    identities = network.activities[0]["user"]["identities"]
    assert identities == {"sessionid": session_id, "ecommerceid": "cust-42"}


def test_own_session_id_replaces_the_generated_one(
    page: Page, site: StaticSite, network: Network
) -> None:
    """``addUserIdentity('sessionId', …)`` lets the site use its own session id."""
    open_page(page, site)
    page.evaluate("xo.activity.addUserIdentity('sessionId', 'site-session-7')")
    send(page)
    assert network.activities[0]["user"]["identities"] == {"sessionid": "site-session-7"}
    assert stored_session_id(page) == "site-session-7"


@pytest.mark.parametrize(
    ("identities", "expected_session"),
    [
        ("{ecommerceId: 'e-1', crmId: 'c-1'}", "stored"),
        ("{SessionId: 's-given', ecommerceId: 'e-1'}", "s-given"),
    ],
    ids=["without-session-id", "with-session-id"],
)
def test_set_user_identities_leaves_exactly_one_session_id(
    page: Page, site: StaticSite, network: Network, identities: str, expected_session: str
) -> None:
    """``setUserIdentities`` replaces all identities and keeps exactly one ``sessionid``."""
    open_page(page, site)
    stored = page.evaluate("xo.activity.getSessionId()")
    page.evaluate(f"xo.activity.setUserIdentities({identities})")
    send(page)
    sent = network.activities[0]["user"]["identities"]
    assert [key for key in sent if key.lower() == "sessionid"] == ["sessionid"]
    assert sent["sessionid"] == (stored if expected_session == "stored" else expected_session)
    assert sent["ecommerceid"] == "e-1"


def test_segments_and_traits_as_in_the_docs(page: Page, site: StaticSite, network: Network) -> None:
    """Segments and the docs' traits ``{age: 45, buyer: true}`` are sent as given."""
    open_page(page, site)
    page.evaluate(
        """() => {
          xo.activity.addUserSegment('vip');
          xo.activity.addUserSegment('vip');
          xo.activity.addUserSegment('newsletter');
          xo.activity.setUserTraits({age: 45, buyer: true});
          xo.activity.addUserTrait('tier', 'gold');
        }"""
    )
    send(page)
    user = network.activities[0]["user"]
    assert user["segments"] == ["vip", "newsletter"]
    assert user["traits"] == {"age": 45, "buyer": True, "tier": "gold"}


def test_set_user_sets_everything_at_once(page: Page, site: StaticSite, network: Network) -> None:
    """``setUser`` replaces identities, segments and traits together."""
    open_page(page, site)
    page.evaluate(
        "xo.activity.setUser({identities: {ecommerceId: 'e-9'}, segments: ['a'],"
        " traits: {plan: 'pro'}})"
    )
    send(page)
    user = network.activities[0]["user"]
    assert user["identities"]["ecommerceid"] == "e-9"
    assert user["segments"] == ["a"]
    assert user["traits"] == {"plan": "pro"}


def test_spa_logout_starts_a_new_session_without_reload(
    page: Page, site: StaticSite, network: Network
) -> None:
    """``clearUser()`` with no reload: a new stored session id, and only it is sent next."""
    open_page(page, site)
    page.evaluate("window.samePageMarker = 'still here'")
    page.evaluate(
        """() => {
          xo.activity.addUserIdentity('ecommerceId', 'cust-42');
          xo.activity.addUserSegment('vip');
          xo.activity.addUserTrait('tier', 'gold');
        }"""
    )
    send(page)
    before = stored_session_id(page)
    page.evaluate("xo.activity.clearUser()")
    send(page)
    after = stored_session_id(page)
    assert page.evaluate("window.samePageMarker") == "still here"
    assert after is not None
    assert after != before
    assert UUID4.match(after)
    assert network.activities[1]["user"] == {
        "identities": {"sessionid": after},
        "segments": [],
        "traits": {},
    }


def test_activity_with_its_own_user_gets_the_session_id_added(
    page: Page, site: StaticSite, network: Network
) -> None:
    """A REST-style activity keeps its own user, plus the session id it lacked."""
    open_page(page, site)
    session_id = page.evaluate("xo.activity.getSessionId()")
    send(page, "{action: 'view', target: {}, user: {identities: {crmid: 'crm-1'}}}")
    identities = network.activities[0]["user"]["identities"]
    assert identities == {"sessionid": session_id, "crmid": "crm-1"}


def test_calls_before_boot_are_delivered_in_order(
    page: Page, site: StaticSite, network: Network
) -> None:
    """Calls made through ``_attraqt`` before xo.js loads run at boot, in order."""
    before = (
        "window._attraqt = window._attraqt || [];"
        "_attraqt.push(['addUserIdentity', 'ecommerceId', 'early-1']);"
        "_attraqt.push(['send', {action: 'view', target: {pathToPage: '/first'}}]);"
        "_attraqt.push(['send', {action: 'click', target: {product: 'p-2'}}]);"
    )
    open_page(page, site, before)
    wait_for_collected(page, network, 1)
    actions = [a["action"] for a in network.activities]
    assert actions == ["view", "click"]
    assert network.activities[0]["user"]["identities"]["ecommerceid"] == "early-1"


def test_stub_calls_made_while_booting_resolve_with_the_outcome(
    page: Page, site: StaticSite, network: Network
) -> None:
    """``xo.activity.send`` on the pre-boot stub returns a Promise of the real outcome."""
    page.goto(site.add_page("/js/stub.html", js_page()))
    outcome = page.evaluate("xo.activity.send({action: 'view', target: {pathToPage: '/'}})")
    assert outcome["ok"] is True
    assert len(network.activities) == 1


def test_queue_keeps_falsy_arguments(page: Page, site: StaticSite, network: Network) -> None:
    """Falsy arguments (0, false, '') in queued entries reach the SDK unchanged."""
    before = (
        "window._attraqt = [['setUserTraits', {count: 0, buyer: false, note: ''}],"
        " ['send', {action: 'view', target: {}}]];"
    )
    open_page(page, site, before)
    wait_for_collected(page, network, 1)
    assert network.activities[0]["user"]["traits"] == {"count": 0, "buyer": False, "note": ""}


def test_a_bad_queued_entry_is_reported_and_the_rest_still_runs(
    page: Page, site: StaticSite, network: Network
) -> None:
    """One invalid queued call fires ``xo:error`` and the following entries still run."""
    before = (
        "window.xoErrors = []; addEventListener('xo:error', e => xoErrors.push(e.detail));"
        "window._attraqt = [['send', {action: 'view', target: {bad: {nested: 1}}}],"
        " ['noSuchMethod'], ['send', {action: 'view', target: {product: 'ok'}}]];"
    )
    open_page(page, site, before)
    wait_for_collected(page, network, 1)
    assert [a["target"] for a in network.activities] == [{"product": "ok"}]
    wait_for(page, "xoErrors.length === 2", 10_000)  # the bad send: refused at its Promise
    assert [e for e in page.evaluate("xoErrors") if "target.bad" in e["message"]]


def test_pushes_after_boot_run_at_once(page: Page, site: StaticSite, network: Network) -> None:
    """A ``_attraqt.push`` after boot runs immediately, like a direct call."""
    open_page(page, site)
    page.evaluate("_attraqt.push(['send', {action: 'view', target: {product: 'late'}}])")
    wait_for_collected(page, network, 1)
    assert network.activities[0]["target"] == {"product": "late"}


def test_opt_out_is_persisted_across_reload(page: Page, site: StaticSite, network: Network) -> None:
    """After ``optOut()`` and a reload, ``send`` resolves to null and nothing is posted."""
    open_page(page, site)
    page.evaluate("xo.activity.optOut()")
    assert page.evaluate("localStorage.getItem('attraqtoptout')") == "true"
    page.reload()
    assert page.evaluate("xo.ready.then(() => true)") is True
    assert send(page) is None
    page.evaluate("xo.activity.optIn()")
    assert send(page)["ok"] is True
    assert len(network.collected) == 1


@pytest.mark.parametrize(
    "signal",
    [
        "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})",
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})",
    ],
    ids=["do-not-track", "global-privacy-control"],
)
def test_privacy_signal_makes_send_return_null_without_a_request(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, signal: str
) -> None:
    """Do-Not-Track or Global Privacy Control: ``send`` resolves to null, no request."""
    context.add_init_script(signal)
    open_page(page, site)
    assert send(page) is None  # resolved without queueing anything
    assert (
        page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('attraqtoutbox'))") == []
    )
    assert network.collected == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        ("xo.activity.send({target: {}})", "action"),
        ("xo.activity.send({action: 'view', target: {product: {id: 1}}})", "target.product"),
        ("xo.activity.send({action: 'buy', target: {}, metadata: {price: NaN}})", "price"),
        ("xo.activity.send([])", ""),
        ("xo.activity.addUserIdentity('', 'x')", ""),
        ("xo.activity.addUserTrait('mail', 'someone@example.com')", "mail"),
        ("xo.activity.setUserSegments('vip')", "segments"),
    ],
)
def test_invalid_input_is_refused_with_a_type_error_in_page_js(
    page: Page, site: StaticSite, network: Network, call: str, field: str
) -> None:
    """Bad input is refused with a real ``TypeError`` naming the field — thrown, or (before
    pydantic has loaded, which words the error) rejecting the call's Promise — and nothing
    is sent."""
    open_page(page, site)
    result = page.evaluate(
        f"""async () => {{
          try {{ await ({call}); return null; }}
          catch (e) {{ return [e instanceof TypeError, e.name, e.message]; }}
        }}"""
    )
    assert result is not None, "no error was thrown"
    is_type_error, name, message = result
    assert (is_type_error, name) == (True, "TypeError")
    assert "does not match the required format" in message or "must" in message
    assert field in message
    send(page, "{action: 'view', target: {product: 'after'}}")  # awaited: it went out
    assert [a["target"] for a in network.activities] == [{"product": "after"}]


def test_a_rejected_setter_changes_nothing(page: Page, site: StaticSite, network: Network) -> None:
    """A setter that throws leaves the user object exactly as it was."""
    open_page(page, site)
    page.evaluate("xo.activity.setUserTraits({tier: 'gold'})")
    before = page.evaluate("xo.activity.getUser()")
    with pytest.raises(Error, match="TypeError"):
        page.evaluate("xo.activity.setUserTraits({tier: 'silver', bad: {nested: true}})")
    assert page.evaluate("xo.activity.getUser()") == before


def test_queued_inherited_object_methods_are_refused(
    page: Page, site: StaticSite, network: Network
) -> None:
    """``_attraqt.push(["__defineSetter__", ...])`` runs nothing and is reported."""
    before = (
        "window.xoErrors = []; addEventListener('xo:error', e => xoErrors.push(e.detail));"
        "window._attraqt = [['__defineSetter__', 'send', () => {}], ['constructor'],"
        " ['send', {action: 'view', target: {product: 'ok'}}]];"
    )
    open_page(page, site, before)
    wait_for_collected(page, network, 1)
    assert page.evaluate("typeof Object.getOwnPropertyDescriptor(xo.activity, 'send').value")
    assert page.evaluate("xoErrors.length") == 2
    assert [a["target"] for a in network.activities] == [{"product": "ok"}]


def test_a_cyclic_argument_throws_a_type_error(page: Page, site: StaticSite) -> None:
    """A cyclic JS object is refused with a TypeError, not a PythonError (thrown, or at the
    send's Promise while pydantic, which words the error, is not loaded yet)."""
    open_page(page, site)
    result = page.evaluate(
        """async () => {
          const target = {product: 'p'}; target.self = target;
          try { await xo.activity.send({action: 'view', target: target}); return null; }
          catch (e) { return [e instanceof TypeError, e.message]; }
        }"""
    )
    assert result is not None
    assert result[0] is True
    assert "PythonError" not in result[1]


def test_xo_js_without_current_script_refuses_to_guess_its_base(
    page: Page, site: StaticSite
) -> None:
    """Loaded where ``document.currentScript`` is missing and two xo.js scripts disagree on
    their folder, the loader throws instead of booting from the last one."""
    loader = site.origin + BUNDLE_PREFIX + "xo.js"
    html = (
        "<!doctype html><html><head><script>window.errors = [];"
        "addEventListener('error', e => errors.push(e.message));</script>"
        f"<script src='{site.origin}/elsewhere/xo.js' data-boot='false'></script>"
        f"<script type='text/plain' src='{loader}'></script>"
        f"<script type='module'>const s = await fetch('{loader}').then(r => r.text());"
        "(0, eval)(s.replace('document.currentScript', 'null'));</script>"
        "</head><body></body></html>"
    )
    page.goto(site.add_page("/js/no-current-script.html", html))
    message = page.wait_for_function("window.errors.length && window.errors[0]").json_value()
    assert "cannot tell where it was loaded from" in str(message)
