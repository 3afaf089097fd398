"""The opt-in session cookie: ``attraqtsessionid`` mirrored into a first-party cookie.

Checked on the main thread and with the SDK in a worker (where the page's xo.js writes the
cookie for it): the cookie carries the stored session id with ``Path=/`` and ``SameSite=Lax``,
follows ``clearUser()``, goes with ``optOut()``, and is never written without the option.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.pages import js_page
from tests.support.browser import Network
from tests.support.static_site import StaticSite

SESSION = "localStorage.getItem('attraqtsessionid')"
MODES = {"main": "", "worker": "data-worker"}


def session_cookie(context: BrowserContext) -> dict[str, Any] | None:
    """Return the attraqtsessionid cookie as the browser keeps it, or None."""
    found = [c for c in context.cookies() if c["name"] == "attraqtsessionid"]
    return dict(found[0]) if found else None


def wait_for_cookie(page: Page, context: BrowserContext, value: str | None) -> dict[str, Any]:
    """Let the page run until the cookie holds ``value`` (None: until it is gone)."""
    for _ in range(200):  # 10 s
        cookie = session_cookie(context)
        if (cookie["value"] if cookie else None) == value:
            return cookie or {}
        page.wait_for_timeout(50)
    raise TimeoutError(f"the cookie never became {value!r}: {session_cookie(context)}")


def open_page(page: Page, site: StaticSite, path: str, attrs: str) -> str:
    """Open an xo.js page with ``attrs``; return the session id once the SDK is live."""
    page.goto(site.add_page(path, js_page(extra_attrs=attrs)))
    session_id = page.evaluate("xo.ready.then(() => xo.activity.getSessionId())")
    assert isinstance(session_id, str)
    return session_id


@pytest.mark.parametrize("mode", MODES)
def test_the_cookie_carries_the_session_id_first_party_and_lax(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, mode: str
) -> None:
    """With data-session-cookie the cookie holds the stored session id, Path=/, SameSite=Lax."""
    session_id = open_page(page, site, f"/c/{mode}.html", f"{MODES[mode]} data-session-cookie")
    cookie = wait_for_cookie(page, context, session_id)
    assert page.evaluate(SESSION) == session_id
    assert (cookie["path"], cookie["sameSite"], cookie["httpOnly"]) == ("/", "Lax", False)
    assert cookie["secure"] is False  # http://127.0.0.1: Secure is added on https only
    assert cookie["expires"] > 0  # persistent, as localStorage is


@pytest.mark.parametrize("mode", MODES)
def test_the_cookie_follows_clear_user(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, mode: str
) -> None:
    """clearUser() starts a new session id, and the cookie carries the new one."""
    first = open_page(page, site, f"/c/clear-{mode}.html", f"{MODES[mode]} data-session-cookie")
    wait_for_cookie(page, context, first)
    second = page.evaluate(
        "(async () => { await xo.activity.clearUser(); return xo.activity.getSessionId(); })()"
    )
    assert second != first
    wait_for_cookie(page, context, second)


@pytest.mark.parametrize("mode", MODES)
def test_opt_out_removes_the_cookie(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, mode: str
) -> None:
    """optOut() removes the cookie along with the stored session id."""
    first = open_page(page, site, f"/c/out-{mode}.html", f"{MODES[mode]} data-session-cookie")
    wait_for_cookie(page, context, first)
    page.evaluate("Promise.resolve(xo.activity.optOut())")
    wait_for_cookie(page, context, None)
    assert page.evaluate(SESSION) is None


@pytest.mark.parametrize("mode", MODES)
def test_no_cookie_without_the_option(
    page: Page, context: BrowserContext, site: StaticSite, network: Network, mode: str
) -> None:
    """Without the option the session id is stored but no cookie is written, even on clearUser."""
    first = open_page(page, site, f"/c/none-{mode}.html", MODES[mode])
    page.evaluate("Promise.resolve(xo.activity.clearUser())")
    page.wait_for_function(f"{SESSION} !== null && {SESSION} !== {first!r}")
    assert session_cookie(context) is None


def test_page_js_init_takes_the_session_cookie_option(
    page: Page, context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """xo.activity.init({trackerKey, sessionCookie: true}) from page JS turns the cookie on."""
    page.goto(site.add_page("/c/js-init.html", js_page(tracker_key=None)))
    session_id = page.evaluate(
        "xo.activity.init({trackerKey: 'test-key', sessionCookie: true});"
        "xo.ready.then(() => xo.activity.getSessionId())"
    )
    wait_for_cookie(page, context, session_id)
