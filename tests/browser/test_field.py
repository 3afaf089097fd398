"""Cases met in the field, reproduced in Chromium: outages with closing tabs, full storage,
sandboxed frames.

Each was a loss or a hang before: a tab closed while the collector failed lost the sends that had
never failed themselves; an opt-out made while storage was full was forgotten on reload; an
opaque-origin frame (where ``navigator.locks.request`` rejects) never delivered.
"""

from __future__ import annotations

import html
import json
from typing import Any

from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import HEAD
from tests.browser.test_delivery import boot, products, send, settle
from tests.support.browser import Network, wait_for
from tests.support.static_site import StaticSite

PATIENT = {"retry_base_s": 0.3, "retry_cap_s": 0.6, "max_attempts": 1000}


def test_a_tab_closed_during_an_outage_loses_nothing(
    context: BrowserContext, page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """Sends made while the collector refuses connections survive the tab's close: all arrive.

    The first send fails; three more follow a few hundred ms apart; the tab closes (its
    page-hide flush runs). A new tab, with the collector back, delivers all four.
    """
    network.responder = lambda _request: None  # connection refused
    boot(page, site, "/shop/outage.html", boot_timeout_ms, delivery=PATIENT, timeout_s=1.0)
    assert send(page, "p1")["queued"] is True
    for product in ("p2", "p3", "p4"):
        page.wait_for_timeout(300)
        page.evaluate("p => { xo.activity.send({action: 'view', target: {product: p}}); }", product)
    page.wait_for_timeout(100)
    page.close()  # a real close: pagehide, keepalive requests, the document goes away
    network.responder = lambda _request: (200, {"profiles": {}}, {})
    later = context.new_page()
    boot(later, site, "/shop/outage.html", boot_timeout_ms, delivery=PATIENT, timeout_s=1.0)
    settle(later, network, 4, timeout_ms=30_000)
    assert sorted(set(products(network.accepted))) == ["p1", "p2", "p3", "p4"]


FILL_STORAGE = """() => {
  let chunk = "x".repeat(256 * 1024), n = 0;
  while (chunk.length >= 1) {
    try { localStorage.setItem("filler" + n, chunk); n += 1; }
    catch (error) { chunk = chunk.slice(0, Math.floor(chunk.length / 2)); }
  }
  try { localStorage.setItem("probe", "true"); } catch (error) { return "full"; }
  return "room left";
}"""


def test_an_opt_out_with_full_storage_survives_a_reload(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """With activities queued and localStorage full, optOut() is still there after a reload."""
    network.responder = lambda _request: None
    boot(page, site, "/shop/full-opt-out.html", boot_timeout_ms, delivery=PATIENT)
    for product in ("p1", "p2", "p3"):
        send(page, product)
    assert page.evaluate(FILL_STORAGE) == "full"
    page.evaluate("() => xo.activity.optOut()")
    assert page.evaluate("() => xo.activity.isOptedOut()") is True
    page.reload()
    page.evaluate("xo.ready.then(() => { window.booted = true; })")
    wait_for(page, "window.booted === true", boot_timeout_ms)
    page.evaluate("() => xo.activity.init({trackerKey: 'test-key'})")
    assert page.evaluate("() => xo.activity.isOptedOut()") is True
    assert page.evaluate("() => localStorage.getItem('attraqtoptout')") == "true"
    assert page.evaluate("() => xo.activity.send({action: 'view', target: {}})") is None


def sandboxed_page(site: StaticSite, extra_attrs: str = "") -> str:
    """A page embedding an opaque-origin frame that loads xo.js from the site and sends."""
    frame = (
        f"{HEAD}<script src='{site.origin}{BUNDLE_PREFIX}xo.js' data-tracker-key='test-key' "
        f"{extra_attrs}></script><script>"
        "xo.ready.then(() => xo.activity.send({action: 'view', target: {product: 'framed'}}))"
        ".then(outcome => parent.postMessage({outcome: outcome}, '*'),"
        "      error => parent.postMessage({error: String(error)}, '*'));"
        "</script></head><body></body></html>"
    )
    return (
        f"{HEAD}<script>window.addEventListener('message', e => {{ window.framed = e.data; }});"
        "</script></head><body>"
        f'<iframe sandbox="allow-scripts" srcdoc="{html.escape(frame)}"></iframe></body></html>'
    )


def test_a_sandboxed_frame_delivers_and_its_promises_settle(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """In an opaque-origin frame (no localStorage, locks rejected) send() settles and delivers."""
    page.goto(site.add_page("/shop/sandboxed.html", sandboxed_page(site)))
    message: Any = wait_for(page, "window.framed", boot_timeout_ms)
    assert "error" not in message, json.dumps(message)
    assert message["outcome"]["ok"] is True
    assert products(network.accepted) == ["framed"]
