"""Nothing lost before ready, nothing hung in worker mode (issue 15), in Chromium.

Boot is held back by routing the runtime's files (``pyodide.asm.wasm``) and answering them
only when the test says so; the collector is the routed fake of ``tests/support/browser.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from tests.browser.pages import js_page
from tests.support.browser import Answer, Network
from tests.support.static_site import StaticSite

MODES = {"default": "data-boot-timeout=180000", "worker": "data-worker data-boot-timeout=180000"}
OUTBOX = "Object.keys(localStorage).filter(k => k.startsWith('attraqtoutbox:')).length"
PENDING = "Object.keys(localStorage).filter(k => k.startsWith('attraqtpending:')).length"
HIDDEN = """() => {
  Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
  document.dispatchEvent(new Event('visibilitychange'));
}"""
VISIBLE = """() => {
  delete document.visibilityState;
  document.dispatchEvent(new Event('visibilitychange'));
}"""
OK: Answer = (200, {"profiles": {}}, {})


def wait_until(page: Page, condition: Callable[[], object], timeout_ms: int = 20_000) -> None:
    """Let the page run (routes answer) until ``condition()`` holds."""
    waited = 0
    while not condition():
        if waited >= timeout_ms:
            raise TimeoutError(f"condition not met in {timeout_ms} ms")
        page.wait_for_timeout(50)
        waited += 50


def carrying(network: Network, target: dict[str, str], *, accepted: bool = False) -> list[Any]:
    """Return the collected (or accepted) activities whose target is ``target``."""
    activities = network.accepted if accepted else network.activities
    return [a for a in activities if a["target"] == target]


class HeldFiles:
    """Holds back the requests for one runtime file while ``holding``; releases them later."""

    def __init__(self, context: BrowserContext, pattern: str) -> None:
        self.holding = True
        self.held: list[Route] = []
        context.route(pattern, self._handle)

    def _handle(self, route: Route) -> None:
        if self.holding:
            self.held.append(route)
        else:
            route.fallback()

    def release(self) -> None:
        """Stop holding; the requests held so far (of pages gone by now) are aborted."""
        self._stop(lambda route: route.abort())

    def let_through(self) -> None:
        """Stop holding; the requests held so far go on to the site."""
        self._stop(lambda route: route.fallback())

    def _stop(self, finish: Callable[[Route], None]) -> None:
        self.holding = False
        for route in self.held:
            with contextlib.suppress(Exception):  # the page that made it may be gone
                finish(route)


@pytest.fixture
def wasm(context: BrowserContext) -> Iterator[HeldFiles]:
    """The runtime's wasm, held back until released."""
    held = HeldFiles(context, "**/pyodide.asm.wasm")
    yield held
    held.release()


def held_page(page: Page, site: StaticSite, wasm: HeldFiles, mode: str, name: str) -> None:
    """Open a page of ``mode`` whose boot waits for the held wasm."""
    page.goto(site.add_page(f"/boot/{name}-{mode}.html", js_page(extra_attrs=MODES[mode])))
    wait_until(page, lambda: wasm.held)
    page.evaluate("() => { xo.ready.then(() => { window.booted = true; }); }")
    assert not page.evaluate("window.booted === true")


@pytest.mark.parametrize("mode", list(MODES))
def test_a_send_before_ready_then_a_navigation_arrives_once_with_its_user(
    page: Page, site: StaticSite, network: Network, wasm: HeldFiles, mode: str
) -> None:
    """A send made during boot, then a navigation: the next page sends it once, with its user."""
    held_page(page, site, wasm, mode, "send")
    page.evaluate(
        "() => { xo.activity.addUserIdentity('crmId', 'c-1');"
        " xo.activity.send({action: 'purchase', target: {product: 'p-1'}}); }"
    )
    wasm.release()
    page.goto(site.add_page(f"/boot/next-{mode}.html", js_page(extra_attrs=MODES[mode])))
    page.evaluate("xo.ready")
    target = {"product": "p-1"}
    wait_until(page, lambda: carrying(network, target, accepted=True))
    wait_until(page, lambda: page.evaluate(OUTBOX) == 0 and page.evaluate(PENDING) == 0)
    [activity] = carrying(network, target)
    stored = page.evaluate("localStorage.getItem('attraqtsessionid')")
    assert activity["user"]["identities"] == {"sessionid": stored, "crmid": "c-1"}
    user = page.evaluate("Promise.resolve(xo.activity.getUser())")
    assert user["identities"] == {"sessionid": stored}  # this page's own user is its own


@pytest.mark.parametrize("mode", list(MODES))
def test_an_opt_out_before_ready_holds_on_the_next_page(
    page: Page, site: StaticSite, network: Network, wasm: HeldFiles, mode: str
) -> None:
    """A send then optOut() during boot, then a navigation: the refusal holds, nothing is sent."""
    held_page(page, site, wasm, mode, "refuse")
    page.evaluate(
        "() => { xo.activity.send({action: 'view', target: {product: 'p-2'}});"
        " xo.activity.optOut(); }"
    )
    assert page.evaluate("localStorage.getItem('attraqtoptout')") == "true"  # written at once
    wasm.release()
    page.goto(site.add_page(f"/boot/after-{mode}.html", js_page(extra_attrs=MODES[mode])))
    page.evaluate("xo.ready")
    assert page.evaluate("Promise.resolve(xo.activity.isOptedOut())") is True
    assert page.evaluate("xo.activity.send({action: 'view', target: {product: 'p-3'}})") is None
    assert page.evaluate(PENDING) == 0
    assert network.collected == []


def worker_page(page: Page, site: StaticSite, name: str) -> None:
    """A ready worker-mode page whose SDK retries after a second (hours with ``slow``)."""
    page.goto(site.add_page(f"/hide/{name}.html", js_page(extra_attrs="data-worker")))
    assert page.evaluate("xo.ready.then(() => xo.worker instanceof Worker)") is True


def test_a_tab_switch_while_the_network_is_down_is_retried_and_arrives(
    page: Page, site: StaticSite, network: Network
) -> None:
    """Worker mode: a page-hide request that fails while the page lives on is retried."""
    worker_page(page, site, "switch")
    page.evaluate("xo.init({activity: {trackerKey: 'test-key', delivery: {retryBaseS: 1}}})")
    page.evaluate("void xo.activity.send({action: 'view', target: {product: 'a'}})")
    wait_until(page, lambda: carrying(network, {"product": "a"}, accepted=True))  # healthy
    # Another holder of the outbox lock: the worker waits, so the tab switch's request is first.
    page.evaluate(
        "new Promise(held => navigator.locks.request('attraqt-outbox',"
        " () => { held(); return new Promise(r => { window.unlock = r; }); }))"
    )
    network.responder = lambda _request: None
    outcome = page.evaluate("xo.activity.send({action: 'view', target: {product: 'b'}})")
    assert outcome["ok"] is False
    page.evaluate(HIDDEN)
    wait_until(page, lambda: carrying(network, {"product": "b"}))
    assert network.answered[-1] == 0  # the keepalive request failed
    network.responder = lambda _request: OK
    page.evaluate(VISIBLE)
    page.evaluate("window.unlock()")
    wait_until(page, lambda: carrying(network, {"product": "b"}, accepted=True), 30_000)


def test_two_page_hides_while_the_channel_fails_send_an_entry_once(
    page: Page, site: StaticSite, network: Network
) -> None:
    """Worker mode, after a failure: a tab switch then a page hide send the entry once."""
    network.responder = lambda _request: None
    worker_page(page, site, "twice")
    page.evaluate("xo.init({activity: {trackerKey: 'test-key', delivery: {retryBaseS: 3600}}})")
    once = {"product": "once"}
    outcome = page.evaluate("xo.activity.send({action: 'view', target: {product: 'once'}})")
    assert outcome["queued"] is True
    before = len(network.collected)
    network.responder = lambda _request: OK
    page.evaluate(HIDDEN)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    wait_until(page, lambda: len(network.collected) > before)
    wait_until(page, lambda: page.evaluate(OUTBOX) == 0 or len(network.collected) > before + 1)
    hides = [r for r in network.collected[before:] for a in r.body if a["target"] == once]
    assert len(hides) == 1


def test_a_page_hide_while_an_opt_out_is_on_its_way_sends_nothing(
    page: Page, site: StaticSite, network: Network
) -> None:
    """Worker mode: optOut() then a page hide at once: the tab's queue is not sent."""
    network.responder = lambda _request: None
    worker_page(page, site, "refuse")
    page.evaluate("xo.init({activity: {trackerKey: 'test-key', delivery: {retryBaseS: 3600}}})")
    page.evaluate("xo.activity.send({action: 'view', target: {product: 'queued'}})")
    before = len(network.collected)
    network.responder = lambda _request: OK
    page.evaluate("xo.activity.optOut(); window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    assert page.evaluate("localStorage.getItem('attraqtoptout')") == "true"
    assert page.evaluate("xo.activity.isOptedOut()") is True  # the worker took the opt-out
    # Until the worker has dropped the queue, or a request left:
    wait_until(page, lambda: page.evaluate(OUTBOX) == 0 or len(network.collected) > before)
    assert len(network.collected) == before


def test_a_worker_whose_runtime_fails_to_load_gives_way_to_the_main_thread(
    page: Page, site: StaticSite, network: Network, context: BrowserContext
) -> None:
    """The worker's runtime fails to load: xo.ready settles, the main thread runs the queue."""
    failed: list[str] = []

    def fail_first(route: Route) -> None:
        if failed:
            route.fallback()
        else:
            failed.append(route.request.url)
            route.abort()

    context.route("**/pyodide.mjs", fail_first)
    queued = "window._attraqt = [['send', {action: 'view', target: {pathToPage: '/fallback'}}]];"
    page.goto(site.add_page("/boot/fallback.html", js_page(queued, extra_attrs="data-worker")))
    state = page.evaluate("xo.ready.then(() => 'ready', e => 'failed: ' + e.message)")
    assert state == "ready"
    assert failed
    assert page.evaluate("xo.worker") is None
    wait_until(page, lambda: carrying(network, {"pathToPage": "/fallback"}, accepted=True))


def test_a_call_the_worker_never_answers_is_rejected(
    page: Page, site: StaticSite, network: Network
) -> None:
    """Worker mode: a call to a worker that died settles (rejected) instead of hanging."""
    attrs = "data-worker data-call-timeout=500"
    page.goto(site.add_page("/hide/dead.html", js_page(extra_attrs=attrs)))
    page.evaluate("xo.ready")
    page.evaluate(
        "() => { xo.worker.terminate();"
        " xo.activity.addUserSegment('s').then(() => { window.said = 'ok'; },"
        " e => { window.said = 'rejected: ' + e.message; }); }"
    )
    wait_until(page, lambda: page.evaluate("window.said"), 10_000)
    assert page.evaluate("window.said").startswith("rejected")
