"""Worker mode (``xo.js data-worker``) where shops meet it: an outage while a tab closes, full
storage, an opaque-origin frame.

The same cases as ``test_field`` on the main thread; here the SDK lives in a worker and the
page's ``xo.js`` owns storage and the page-hide flush.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import HEAD, js_page
from tests.browser.test_delivery import products, settle
from tests.browser.test_field import FILL_STORAGE, sandboxed_page
from tests.support.browser import Answer, Network, wait_for
from tests.support.static_site import StaticSite

PATIENT = {"retryBaseS": 0.3, "retryCapS": 0.6, "maxAttempts": 1000}
OK: Answer = (200, {"profiles": {}}, {})
REFUSE_WRITES = """() => {
  Storage.prototype.setItem = () => { throw new DOMException("refused", "QuotaExceededError"); };
}"""


def boot_worker(page: Page, site: StaticSite, path: str, **init: Any) -> None:
    """Open a worker-mode page at ``path`` and init it from page JS with ``init``'s options."""
    page.goto(site.add_page(path, js_page(tracker_key=None, extra_attrs="data-worker")))
    options = {"trackerKey": "test-key", **init}
    page.evaluate("o => xo.ready.then(() => xo.init({activity: o}))", options)
    assert page.evaluate("xo.worker instanceof Worker") is True


def send(page: Page, product: str) -> Any:
    """Send a view of ``product`` from page JavaScript and return the resolved outcome."""
    return page.evaluate("p => xo.activity.send({action: 'view', target: {product: p}})", product)


def test_a_worker_tab_closed_during_an_outage_loses_nothing(
    context: BrowserContext, page: Page, site: StaticSite, network: Network
) -> None:
    """The first send fails, three more follow, the tab closes: a new tab delivers all four."""
    network.responder = lambda _request: None  # connection refused
    boot_worker(page, site, "/wf/outage.html", delivery=PATIENT, timeoutS=1.0)
    assert send(page, "p1")["queued"] is True
    for product in ("p2", "p3", "p4"):
        page.wait_for_timeout(300)
        page.evaluate("p => { xo.activity.send({action: 'view', target: {product: p}}); }", product)
    page.wait_for_timeout(100)
    page.close()  # a real close: pagehide, keepalive requests, the worker goes with the page
    network.responder = lambda _request: OK
    later = context.new_page()
    boot_worker(later, site, "/wf/outage.html", delivery=PATIENT, timeoutS=1.0)
    settle(later, network, 4, timeout_ms=40_000)
    assert sorted(set(products(network.accepted))) == ["p1", "p2", "p3", "p4"]


def test_a_worker_opt_out_with_full_storage_survives_a_reload(
    page: Page, site: StaticSite, network: Network
) -> None:
    """With activities queued and localStorage full, optOut() is still there after a reload."""
    network.responder = lambda _request: None
    boot_worker(page, site, "/wf/full-opt-out.html", delivery=PATIENT)
    for product in ("p1", "p2", "p3"):
        send(page, product)
    assert page.evaluate(FILL_STORAGE) == "full"
    page.evaluate("xo.activity.optOut()")
    assert page.evaluate("xo.activity.isOptedOut()") is True
    page.reload()
    boot_worker(page, site, "/wf/full-opt-out.html")
    assert page.evaluate("xo.activity.isOptedOut()") is True
    assert page.evaluate("localStorage.getItem('attraqtoptout')") == "true"
    assert page.evaluate("xo.activity.send({action: 'view', target: {}})") is None


def test_an_opt_out_storage_refuses_is_reported_and_holds_for_the_page(
    page: Page, site: StaticSite, network: Network
) -> None:
    """When storage refuses every write, the opt-out is an xo:error "consent" and still holds."""
    boot_worker(page, site, "/wf/refused-opt-out.html")
    page.evaluate("addEventListener('xo:error', e => { window.said = e.detail; })")
    page.evaluate(REFUSE_WRITES)
    page.evaluate("xo.activity.optOut()")
    detail: Any = wait_for(page, "window.said", 10_000)
    assert detail["stage"] == "consent"
    assert page.evaluate("xo.activity.isOptedOut()") is True
    assert page.evaluate("xo.activity.send({action: 'view', target: {}})") is None
    assert network.collected == []


def test_what_full_storage_refused_leaves_on_page_hide(
    context: BrowserContext, page: Page, site: StaticSite, network: Network
) -> None:
    """A send kept only in memory (storage full) still leaves on the page-hide request.

    Another page holds the outbox Web Lock meanwhile, so the worker sends nothing itself and
    the only request is the page's.
    """
    holder = context.new_page()
    holder.goto(site.add_page("/wf/holder.html", f"{HEAD}</head><body></body></html>"))
    holder.evaluate(
        "() => { navigator.locks.request('attraqt-outbox', () => new Promise(() => {})); }"
    )
    boot_worker(page, site, "/wf/full-hide.html")
    assert page.evaluate(FILL_STORAGE) == "full"
    assert send(page, "kept")["queued"] is True
    stored = "Object.keys(localStorage).filter(k => k.startsWith('attraqtoutbox:')).length"
    assert page.evaluate(stored) == 0
    assert network.collected == []
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    settle(page, network, 1, timeout_ms=10_000)
    assert [r.body[0]["target"] for r in network.collected] == [{"product": "kept"}]


COUNT_KEEPALIVE_FETCHES = """() => {
  window.keepaliveFetches = 0;
  const fetchNow = window.fetch;
  window.fetch = (url, init) => {
    if (init && init.keepalive) window.keepaliveFetches += 1;
    return fetchNow(url, init);
  };
}"""


def test_a_retry_after_pause_storage_refused_still_holds_a_page_hide(
    page: Page, site: StaticSite, network: Network
) -> None:
    """Storage full: the collector's Retry-After pause, kept in the page's memory, stops the
    page-hide flush (hole 12: it was read from storage, so a page hide sent during the pause)."""
    network.responder = lambda _request: (429, {}, {"Retry-After": "3600"})
    boot_worker(page, site, "/wf/full-pause.html")
    assert page.evaluate(FILL_STORAGE) == "full"
    outcome = send(page, "paused")
    assert outcome["queued"] is True
    assert outcome["status"] == 429
    assert page.evaluate("localStorage.getItem('attraqtpause')") is None  # storage refused it
    network.responder = lambda _request: OK
    page.evaluate(COUNT_KEEPALIVE_FETCHES)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")  # hide() is sync
    assert page.evaluate("window.keepaliveFetches") == 0
    assert len(network.collected) == 1


def test_a_page_hide_stops_at_the_first_entry_over_its_budget(
    context: BrowserContext, page: Page, site: StaticSite, network: Network
) -> None:
    """The page-hide flush sends oldest first and stops at the first entry its 64 KiB keepalive
    budget cannot take: a smaller one after it stays too (hole 12: it was sent, out of order).

    Another page holds the outbox Web Lock, so the worker sends nothing itself.
    """
    holder = context.new_page()
    holder.goto(site.add_page("/wf/budget-holder.html", f"{HEAD}</head><body></body></html>"))
    holder.evaluate(
        "() => { navigator.locks.request('attraqt-outbox', () => new Promise(() => {})); }"
    )
    boot_worker(page, site, "/wf/budget.html")
    sizes = {"small-1": 0, "big-40k": 20, "big-30k": 15, "small-2": 0}  # metadata keys of 2,000
    for product, keys in sizes.items():
        metadata = {f"k{n}": "x" * 2000 for n in range(keys)}
        outcome = page.evaluate(
            "([p, m]) => xo.activity.send({action: 'view', target: {product: p}, metadata: m})",
            [product, metadata],
        )
        assert outcome["queued"] is True
    entries = "Object.keys(localStorage).filter(k => k.startsWith('attraqtoutbox:')).length"
    assert page.evaluate(entries) == 4
    page.evaluate(COUNT_KEEPALIVE_FETCHES)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")  # hide() is sync
    assert page.evaluate("window.keepaliveFetches") == 2  # [small-1], then [big-40k] alone
    settle(page, network, 2, timeout_ms=10_000)
    sent = [a["target"]["product"] for r in network.collected for a in r.body]
    assert sent == ["small-1", "big-40k"]


def test_a_sandboxed_frame_in_worker_mode_delivers(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """In an opaque-origin frame worker mode still settles send() and delivers."""
    page.goto(site.add_page("/wf/sandboxed.html", sandboxed_page(site, "data-worker")))
    message: Any = wait_for(page, "window.framed", boot_timeout_ms)
    assert "error" not in message, json.dumps(message)
    assert message["outcome"]["ok"] is True
    assert products(network.accepted) == ["framed"]


@pytest.fixture
def shop() -> Iterator[StaticSite]:
    """A second local site, another origin: the shop whose pages load the bundle from ``site``."""
    server = StaticSite().start()
    yield server
    server.stop()


def test_a_bundle_on_another_origin_runs_in_a_worker(
    page: Page, site: StaticSite, shop: StaticSite, network: Network
) -> None:
    """xo.js from a CDN-like origin boots its worker, keeps the shop's storage and delivers."""
    script = f"<script src='{site.origin}{BUNDLE_PREFIX}xo.js' data-worker></script>"
    page.goto(shop.add_page("/cdn.html", f"{HEAD}{script}</head><body></body></html>"))
    page.evaluate("xo.ready.then(() => xo.init({activity: {trackerKey: 'test-key'}}))")
    assert page.evaluate("xo.worker instanceof Worker") is True
    page.evaluate("void xo.activity.send({action: 'view', target: {product: 'cdn'}})")
    settle(page, network, 1)
    session = page.evaluate("localStorage.getItem('attraqtsessionid')")
    assert [a["user"]["identities"]["sessionid"] for a in network.accepted] == [session]


def test_two_worker_tabs_share_the_queue_without_loss_or_duplicates(
    context: BrowserContext, page: Page, site: StaticSite, network: Network
) -> None:
    """One tab's queue and both tabs' new sends are each accepted once while two workers flush."""
    network.responder = lambda _request: None
    boot_worker(page, site, "/wf/tab-a.html", delivery=PATIENT)
    queued = [f"a{i}" for i in range(8)]
    for product in queued:
        send(page, product)
    network.responder = lambda _request: OK
    other = context.new_page()
    boot_worker(other, site, "/wf/tab-b.html", delivery=PATIENT)
    more = []
    for i in range(6):
        for tab, name in ((page, f"a-more{i}"), (other, f"b-more{i}")):
            tab.evaluate("p => { xo.activity.send({action: 'view', target: {product: p}}); }", name)
            more.append(name)
    settle(page, network, len(queued) + len(more), timeout_ms=30_000)
    assert sorted(products(network.accepted)) == sorted([*queued, *more])
