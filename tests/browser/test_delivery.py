"""Delivery under injected faults in a real browser: retries, Retry-After, reloads, storage, tabs.

Every test drives xo.js pages through ``page.evaluate`` and answers the collector through
``Network.responder`` (tests/support/browser.py). Retry timings are shortened through the
``delivery`` option of ``init``, set from Python in the page (``xo.pyodide.runPython``).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from playwright.sync_api import BrowserContext, Page

from tests.browser.pages import js_page
from tests.support.browser import Answer, CollectedRequest, Network, wait_for
from tests.support.static_site import StaticSite

FAST = {"retry_base_s": 0.2, "retry_cap_s": 0.4}
OK: Answer = (200, {"profiles": {}}, {})
KEEPALIVE_BUDGET = 64 * 1024


def boot(
    page: Page,
    site: StaticSite,
    path: str,
    boot_timeout_ms: int,
    *,
    delivery: dict[str, float] | None = None,
    timeout_s: float = 2.0,
) -> None:
    """Open an xo.js page at ``path``, wait for ``xo.ready`` and init with fast retries."""
    page.goto(site.add_page(path, js_page(tracker_key=None)))
    page.evaluate("xo.ready.then(() => { window.booted = true; })")
    wait_for(page, "window.booted === true", boot_timeout_ms)
    options = json.dumps(delivery if delivery is not None else FAST)
    code = (
        "from xo_web import activity\n"
        f"activity.init('test-key', timeout_s={timeout_s}, delivery={options})\n"
    )
    page.evaluate("code => { xo.pyodide.runPython(code); }", code)


def send(page: Page, product: str, **extra: Any) -> Any:
    """Send a view of ``product`` from page JavaScript and return the resolved outcome."""
    activity = {"action": "view", "target": {"product": product, **extra}}
    return page.evaluate("a => xo.activity.send(a)", activity)


def products(activities: list[dict[str, Any]]) -> list[str]:
    """Return the product of each activity."""
    return [a["target"]["product"] for a in activities]


def scripted(*answers: Answer | None) -> Callable[[CollectedRequest], Answer | None]:
    """A responder giving ``answers`` in turn, then 200 for ever."""
    queue: Iterator[Answer | None] = itertools.chain(answers, itertools.repeat(OK))
    return lambda _request: next(queue)


def settle(page: Page, network: Network, count: int, *, timeout_ms: int = 15_000) -> None:
    """Wait until ``count`` activities were accepted, then a little more for duplicates."""
    waited = 0
    while len(network.accepted) < count:
        assert waited < timeout_ms, f"accepted {products(network.accepted)}"
        page.wait_for_timeout(100)
        waited += 100
    page.wait_for_timeout(1000)


def test_500_then_503_then_200_delivers_once(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """A send that meets 500 then 503 is retried and accepted exactly once."""
    network.responder = scripted((500, {}, {}), (503, {}, {}))
    boot(page, site, "/shop/retry.html", boot_timeout_ms)
    outcome = send(page, "p1")
    assert (outcome["status"], outcome["queued"]) == (500, True)
    settle(page, network, 1)
    assert network.answered == [500, 503, 200]
    assert products(network.accepted) == ["p1"]


def test_429_retry_after_holds_everything_back(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """After a 429 with Retry-After: 2, nothing reaches the collector for 2 seconds."""
    stamps: list[float] = []
    answers = scripted((429, {}, {"retry-after": "2"}))

    def responder(request: CollectedRequest) -> Answer | None:
        stamps.append(time.monotonic())
        return answers(request)

    network.responder = responder
    boot(page, site, "/shop/retry-after.html", boot_timeout_ms)
    send(page, "p1")
    send(page, "p2")
    settle(page, network, 2)
    assert stamps[1] - stamps[0] >= 1.9
    assert products(network.accepted) == ["p1", "p2"]


def test_unreachable_collector_reload_then_back_delivers(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """Queued while the collector is unreachable, kept over a reload, sent once it is back.

    The reload's own pagehide request cannot be observed here (Chromium sends keepalive
    requests of an unloading document past the interception), so the next page sends the
    entry again once that request's in-flight lease has expired: at least once.
    """
    network.responder = lambda _request: None
    patient = {"retry_base_s": 0.5, "retry_cap_s": 1.0, "max_attempts": 1000}
    boot(page, site, "/shop/offline.html", boot_timeout_ms, delivery=patient)
    assert send(page, "p1")["queued"] is True
    page.wait_for_timeout(1000)
    network.responder = scripted()
    boot(page, site, "/shop/offline.html", boot_timeout_ms, delivery=patient)
    settle(page, network, 1, timeout_ms=20_000)
    assert products(network.accepted) == ["p1"]


THROWING_STORAGE = """
for (const name of ["getItem", "setItem", "removeItem", "key"]) {
  Storage.prototype[name] = function () { throw new DOMException("blocked", "SecurityError"); };
}
"""

FULL_STORAGE = """
const setItem = Storage.prototype.setItem;
Storage.prototype.setItem = function (key, value) {
  if (String(key).startsWith("attraqtoutbox")) {
    throw new DOMException("full", "QuotaExceededError");
  }
  return setItem.call(this, key, value);
};
"""

CORRUPT_STORAGE = """
if (!sessionStorage.getItem("seeded")) {
  sessionStorage.setItem("seeded", "1");
  localStorage.setItem("attraqtoutbox:bad1", "not json");
  localStorage.setItem("attraqtoutbox:bad2", JSON.stringify({v: 1, id: "bad2", body: "<img>"}));
  localStorage.setItem("attraqtoutbox:bad3", "x".repeat(2000000));
  localStorage.setItem("attraqtoutboxlock", "{\\"owner\\": 5}");
  localStorage.setItem("attraqtpause", "<script>alert(1)</script>");
  localStorage.setItem("attraqtsessionid", "<b>not an id</b>");
  localStorage.setItem("someoneelse", "keep me");
}
"""


def test_throwing_storage_still_delivers(
    context: BrowserContext, page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """With every localStorage call throwing, sends work from memory."""
    context.add_init_script(THROWING_STORAGE)
    boot(page, site, "/shop/blocked.html", boot_timeout_ms)
    assert send(page, "p1")["ok"] is True
    assert products(network.accepted) == ["p1"]


def test_full_storage_still_delivers(
    context: BrowserContext, page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """A QuotaExceededError on the outbox keeps the queue in memory; a retry still delivers."""
    context.add_init_script(FULL_STORAGE)
    network.responder = scripted((503, {}, {}))
    boot(page, site, "/shop/full.html", boot_timeout_ms)
    send(page, "p1")
    settle(page, network, 1)
    assert products(network.accepted) == ["p1"]


def test_corrupted_keys_are_repaired_and_sends_work(
    context: BrowserContext, page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """Hostile values under attraqt* keys are never sent; the SDK repairs them, not others."""
    context.add_init_script(CORRUPT_STORAGE)
    boot(page, site, "/shop/corrupt.html", boot_timeout_ms)
    assert send(page, "p1")["ok"] is True  # resolved: its request was answered
    assert products(network.activities) == ["p1"]
    identities = network.activities[0]["user"]["identities"]
    assert identities["sessionid"] != "<b>not an id</b>"
    keys = page.evaluate("Object.keys(localStorage).sort()")
    assert not [k for k in keys if k.startswith("attraqtoutbox:")]
    assert page.evaluate("localStorage.getItem('someoneelse')") == "keep me"


def test_two_tabs_share_the_queue_without_duplicates(
    context: BrowserContext, page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """Activities queued by one tab are accepted once while two tabs flush the shared queue."""
    network.responder = lambda _request: None
    boot(page, site, "/shop/tab-a.html", boot_timeout_ms)
    sent = [f"p{i}" for i in range(8)]
    for product in sent:
        send(page, product)
    network.responder = scripted()
    other = context.new_page()
    boot(other, site, "/shop/tab-b.html", boot_timeout_ms)
    page.evaluate("() => { xo.activity.send({action: 'view', target: {product: 'p8'}}); }")
    settle(page, network, 9)
    assert sorted(products(network.accepted)) == sorted([*sent, "p8"])


def test_pagehide_flushes_within_the_keepalive_budget(
    context: BrowserContext, page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """90 KB queued at pagehide: keepalive requests within 64 KiB, the rest sent afterwards.

    The pagehide event is dispatched by the test (the page stays alive) because Chromium's
    keepalive requests from a document that is really unloading bypass Playwright's routes.
    Another page holds the outbox Web Lock meanwhile, so nothing but the pagehide flush sends.
    """
    holder = context.new_page()
    holder.goto(site.add_page("/shop/holder.html", js_page(tracker_key=None)))
    holder.evaluate(
        "() => { navigator.locks.request('attraqt-outbox', () => new Promise(() => {})); }"
    )
    boot(page, site, "/shop/hide.html", boot_timeout_ms, timeout_s=1.0)
    sent = [f"p{i}" for i in range(30)]
    for product in sent:
        outcome = send(page, product, blob="x" * 1500, blob2="y" * 1500)
        assert outcome["queued"] is True
    assert network.collected == []
    page.evaluate("() => { window.dispatchEvent(new PageTransitionEvent('pagehide')); }")
    page.wait_for_timeout(1000)
    sizes = [len(json.dumps(r.body, separators=(",", ":")).encode()) for r in network.collected]
    assert len(sizes) >= 2
    assert all(r.headers.get("content-type") == "application/json" for r in network.collected)
    assert sum(sizes) <= KEEPALIVE_BUDGET
    handed = len(network.accepted)
    assert 0 < handed < len(sent)
    holder.close()
    settle(page, network, len(sent))
    assert products(network.accepted) == sent


def test_burst_in_one_task_is_delivered_whole(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """1,000 sends in one synchronous loop: every promise ok, all accepted once, in order."""
    boot(page, site, "/shop/burst.html", boot_timeout_ms)
    outcomes = page.evaluate(
        """async () => {
          const sends = [];
          for (let i = 0; i < 1000; i++) {
            sends.push(xo.activity.send({action: "view", target: {product: "p" + i}}));
          }
          return (await Promise.all(sends)).map(outcome => outcome.ok);
        }"""
    )
    assert outcomes == [True] * 1000
    settle(page, network, 1000)
    assert products(network.accepted) == [f"p{i}" for i in range(1000)]
    assert len(network.collected) <= 20  # coalesced: up to 100 activities per request
