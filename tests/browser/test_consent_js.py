"""xo.js's consent part alone (no Python booted: ``data-boot="false"``): the verdict it gives
for fake IAB TCF v2.2, GPP and Google Consent Mode v2 platforms installed before the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.pages import HEAD, js_page
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

VERDICT = "xo.consent.verdict()"


def open_page(
    page: Page, context: BrowserContext, site: StaticSite, attrs: str = "", **cmps: Any
) -> None:
    """Install the fake platforms, then open a page with xo.js in stub-only mode."""
    context.add_init_script(fake_cmps(**cmps))
    name = f"/consent-js/{abs(hash((attrs, repr(cmps))))}.html"
    page.goto(site.add_page(name, js_page(extra_attrs=f'data-boot="false" {attrs}')))


def test_no_platform_is_no_say(page: Page, context: BrowserContext, site: StaticSite) -> None:
    """Without any platform the verdict is "none", and stays so past the wait."""
    open_page(page, context, site, 'data-consent-wait="0"')
    assert page.evaluate(VERDICT) == "none"


def test_tcf_banner_shown_is_pending_until_the_user_grants(
    page: Page, context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """cmpuishown is pending (no decision); useractioncomplete with the purposes is granted."""
    open_page(page, context, site, tcf=TCF_UI_SHOWN)
    assert page.evaluate(VERDICT) == "pending"
    page.evaluate("d => fakeTcf.emit(d)", TCF_GRANTED)
    assert page.evaluate(VERDICT) == "granted"
    assert page.evaluate("fakeTcf.listeners()") == 1  # one listener, kept


@pytest.mark.parametrize(
    ("consents", "interests", "expected"),
    [
        ((1,), (7, 8, 9, 10), "granted"),
        ((1, 7, 8, 9, 10), (), "granted"),
        ((), (1, 7, 8, 9, 10), "denied"),  # storing on the device needs consent
        ((1,), (7, 8, 9), "denied"),  # purpose 10 neither consented nor legitimate interest
    ],
)
def test_tcf_default_purposes(
    page: Page,
    context: BrowserContext,
    site: StaticSite,
    consents: tuple[int, ...],
    interests: tuple[int, ...],
    expected: str,
) -> None:
    """By default purpose 1 needs consent, purposes 7-10 consent or legitimate interest."""
    open_page(page, context, site, tcf=tc_data(consents=consents, interests=interests))
    assert page.evaluate(VERDICT) == expected


def test_tcf_purposes_are_configurable(
    page: Page, context: BrowserContext, site: StaticSite
) -> None:
    """data-tcf-measure names the purposes needing consent or legitimate interest."""
    state = tc_data(consents=(1,), interests=(8,))
    open_page(page, context, site, 'data-tcf-measure="8"', tcf=state)
    assert page.evaluate(VERDICT) == "granted"


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (tc_data(gdpr_applies=False, status="tcloaded"), "granted"),
        (tc_data(cmp_status="error"), "denied"),
        (TCF_REFUSED, "denied"),
    ],
    ids=["gdpr-does-not-apply", "cmp-error", "refused"],
)
def test_tcf_answers(
    page: Page, context: BrowserContext, site: StaticSite, state: dict[str, Any], expected: str
) -> None:
    """gdprApplies false is granted; a CMP in error and a refusal are no consent."""
    open_page(page, context, site, tcf=state)
    assert page.evaluate(VERDICT) == expected


def test_a_platform_that_never_answers_becomes_unanswered_after_the_wait(
    page: Page, context: BrowserContext, site: StaticSite
) -> None:
    """A __tcfapi that never calls back is pending, then "unanswered" after data-consent-wait."""
    open_page(page, context, site, 'data-consent-wait="300"', tcf=None)
    assert page.evaluate(VERDICT) == "pending"
    assert wait_for(page, f"{VERDICT} === 'unanswered'", 5_000)


def test_a_refusal_after_a_grant_is_heard(
    page: Page, context: BrowserContext, site: StaticSite
) -> None:
    """The listener is kept: a later refusal (withdrawal) changes the verdict at once."""
    open_page(page, context, site, tcf=TCF_GRANTED)
    page.evaluate("window.seen = []; xo.consent.listen(v => seen.push(v))")
    page.evaluate("d => fakeTcf.emit(d)", tc_data("useractioncomplete"))
    assert page.evaluate("seen") == ["granted", "denied"]


def test_tcf_of_the_parent_page_reaches_a_cross_origin_frame(
    page: Page, context: BrowserContext, site: StaticSite, other_site: StaticSite
) -> None:
    """In a frame of another origin, xo.js finds __tcfapiLocator and asks by postMessage."""
    context.add_init_script(fake_cmps(tcf=TCF_UI_SHOWN))
    child = other_site.add_page("/consent-js/child.html", js_page(extra_attrs='data-boot="false"'))
    parent = f"{HEAD}</head><body><iframe src='{child}'></iframe></body></html>"
    page.goto(site.add_page("/consent-js/parent.html", parent))
    frame = page.frames[1]
    wait_for(frame, "window.xo && xo.consent && xo.consent.verdict() === 'pending'", 5_000)  # type: ignore[arg-type]
    page.evaluate("d => fakeTcf.emit(d)", TCF_GRANTED)
    assert wait_for(frame, f"{VERDICT} === 'granted'", 5_000)  # type: ignore[arg-type]
    assert frame.evaluate("typeof window.__tcfapi") == "undefined"


@pytest.mark.parametrize(("opt_out", "expected"), [(1, "denied"), (2, "granted")])
def test_gpp_usnat_sale_opt_out_is_a_refusal(
    page: Page, context: BrowserContext, site: StaticSite, opt_out: int, expected: str
) -> None:
    """A usnat SaleOptOut of 1 refuses; 2 (did not opt out) grants."""
    open_page(page, context, site, gpp=gpp_ping(sale_opt_out=opt_out))
    assert page.evaluate(VERDICT) == expected


def test_gpp_without_an_applicable_us_section_has_no_say(
    page: Page, context: BrowserContext, site: StaticSite
) -> None:
    """applicableSections [-1]: GPP does not decide."""
    ping = {**gpp_ping(sale_opt_out=1), "applicableSections": [-1]}
    open_page(page, context, site, gpp=ping)
    assert page.evaluate(VERDICT) == "none"


def test_gpp_not_ready_is_pending(page: Page, context: BrowserContext, site: StaticSite) -> None:
    """signalStatus "not ready" is pending until the CMP is ready."""
    open_page(page, context, site, gpp=gpp_ping(ready=False))
    assert page.evaluate(VERDICT) == "pending"
    page.evaluate("d => fakeGpp.emit(d)", gpp_ping(sale_opt_out=1))
    assert page.evaluate(VERDICT) == "denied"


def test_consent_mode_default_denied_then_update_granted(
    page: Page, context: BrowserContext, site: StaticSite
) -> None:
    """A default pushed before xo.js is read; denied by default is pending; an update decides."""
    open_page(page, context, site, gcm={"analytics_storage": "denied", "ad_storage": "denied"})
    assert page.evaluate(VERDICT) == "pending"
    page.evaluate("gtag('consent', 'update', {analytics_storage: 'granted'})")
    assert page.evaluate(VERDICT) == "granted"
    page.evaluate("gtag('consent', 'update', {analytics_storage: 'denied'})")
    assert page.evaluate(VERDICT) == "denied"


def test_consent_mode_types_are_configurable(
    page: Page, context: BrowserContext, site: StaticSite
) -> None:
    """data-gcm-types names the consent types that must be granted."""
    gcm = {"analytics_storage": "granted", "ad_storage": "denied"}
    open_page(page, context, site, 'data-gcm-types="analytics_storage,ad_storage"', gcm=gcm)
    assert page.evaluate(VERDICT) == "pending"


def test_the_stricter_platform_wins(page: Page, context: BrowserContext, site: StaticSite) -> None:
    """TCF granted and GPP opted out: refused."""
    open_page(page, context, site, tcf=TCF_GRANTED, gpp=gpp_ping(sale_opt_out=1))
    assert page.evaluate(VERDICT) == "denied"
    assert page.evaluate("xo.consent.platforms") == {"tcf": "granted", "gpp": "denied"}
