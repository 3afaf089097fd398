"""The SDK off the main thread: a PyScript worker script, and xo.js in worker mode.

Both keep the session id and the outbox in the page's localStorage (bridged by xo.js), so a
worker page and a main-thread page of the origin share one session; a page that goes right
after a send loses nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import HEAD, js_page
from tests.support.browser import Network, wait_for
from tests.support.static_site import Page as SitePage
from tests.support.static_site import StaticSite

SESSION = "localStorage.getItem('attraqtsessionid')"

WORKER_SCRIPT = """
import js
from pyodide.ffi import to_js
from xo_web import activity

activity.init("test-key")
outcome = await activity.send({"action": "view", "target": {"pathToPage": "/worker"}})
said = {"sessionId": activity.session_id, "ok": outcome.ok}
js.postMessage(to_js(said, dict_converter=js.Object.fromEntries))
"""


def pyscript_worker_page(python: str) -> str:
    """A page with xo.js (bridge only) and a PyScript worker script; the worker's last message
    lands in ``window.workerSaid``."""
    return (
        f"{HEAD}<title>xo_web worker</title>"
        f'<script src="{BUNDLE_PREFIX}xo.js" data-boot="false"></script>'
        f'<script type="module" src="{BUNDLE_PREFIX}pyscript/core.js"></script></head><body>'
        f'<script type="py" worker config="{BUNDLE_PREFIX}pyscript.json">{python}</script>'
        "<script>xo.ready.then(function () {"
        "  document.querySelector('script[worker]').xworker.addEventListener('message',"
        "    function (e) { if (e.data && e.data.sessionId) window.workerSaid = e.data; });"
        "});</script></body></html>"
    )


def worker_js_page() -> str:
    """A plain JS page that boots the SDK in a module worker (``data-worker``)."""
    return js_page(extra_attrs="data-worker")


def with_target(
    network: Network, target: dict[str, str], *, accepted: bool = False
) -> list[dict[str, Any]]:
    """Return the collected (or only the accepted) activities whose target is ``target``."""
    activities = network.accepted if accepted else network.activities
    return [a for a in activities if a["target"] == target]


def wait_until(page: Page, condition: Callable[[], object], timeout_ms: int) -> None:
    """Let the page run (routes answer) until ``condition()`` holds."""
    waited = 0
    while not condition():
        if waited >= timeout_ms:
            raise TimeoutError(f"condition not met in {timeout_ms} ms")
        page.wait_for_timeout(50)
        waited += 50


def test_pyscript_worker_uses_the_pages_session_and_outbox_across_reloads(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """A PyScript worker sends with the page's own session id, and its outbox survives a reload."""
    page.goto(site.add_page("/w/main.html", js_page()))
    assert page.evaluate("xo.ready.then(() => xo.activity.getSessionId())")
    main_thread_session = page.evaluate(SESSION)

    network.responder = lambda _request: None  # collector unreachable: the send stays queued
    page.goto(site.add_page("/w/py.html", pyscript_worker_page(WORKER_SCRIPT)))
    wait_for(page, "window.workerSaid", boot_timeout_ms)
    said = page.evaluate("window.workerSaid")
    assert said == {"sessionId": main_thread_session, "ok": False}
    assert page.evaluate("Object.keys(localStorage).some(k => k.startsWith('attraqtoutbox:'))")

    network.responder = lambda _request: (200, {"profiles": {}}, {})
    page.reload()
    wait_for(page, "window.workerSaid", boot_timeout_ms)
    assert page.evaluate("window.workerSaid.sessionId") == main_thread_session
    # The first load's queued send and the second load's own both reach the collector.
    target = {"pathToPage": "/worker"}
    wait_until(page, lambda: len(with_target(network, target, accepted=True)) >= 2, 30_000)
    sent = with_target(network, target)
    assert {a["user"]["identities"]["sessionid"] for a in sent} == {main_thread_session}


def test_js_page_in_worker_mode_runs_the_whole_flow(
    page: Page, site: StaticSite, network: Network
) -> None:
    """Arrive, browse, log in, browse, log out from page JS: the worker sends the right ids."""
    page.goto(site.add_page("/w/flow.html", worker_js_page()))
    assert page.evaluate("xo.ready.then(() => xo.worker instanceof Worker)") is True
    first = page.evaluate("xo.activity.getSessionId()")
    assert first == page.evaluate(SESSION)
    flow = """async () => {
      const a = xo.activity;
      await a.send({action: 'view', target: {pathToPage: '/'}});
      await a.send([{action: 'view', target: {product: 'p-1'}},
                    {action: 'click', target: {product: 'p-2'}}]);
      await a.addUserIdentity('ecommerceId', 'cust-42');
      await a.send({action: 'view', target: {product: 'p-2'}});
      await a.clearUser();
      await a.send({action: 'view', target: {pathToPage: '/bye'}});
      return [await a.getSessionId(), await a.getUser()];
    }"""
    second, user = page.evaluate(flow)
    assert second != first
    assert second == page.evaluate(SESSION)
    assert user["identities"] == {"sessionid": second}
    ids = [a["user"]["identities"] for a in network.activities]
    assert ids == [
        {"sessionid": first},
        {"sessionid": first},
        {"sessionid": first},
        {"sessionid": first, "ecommerceid": "cust-42"},
        {"sessionid": second},
    ]


def test_data_worker_false_boots_on_the_main_thread(
    page: Page, site: StaticSite, network: Network
) -> None:
    """``data-worker="false"`` is no worker mode: the SDK boots on the page, sends synchronously."""
    page.goto(site.add_page("/w/false.html", js_page(extra_attrs='data-worker="false"')))
    assert page.evaluate("xo.ready.then(() => xo.worker == null && !!xo.pyodide)") is True
    assert page.evaluate("typeof xo.activity.getSessionId()") == "string"


def test_worker_mode_rejects_bad_input_with_a_type_error(
    page: Page, site: StaticSite, network: Network
) -> None:
    """In worker mode a bad call returns a Promise rejected with a TypeError naming the field."""
    page.goto(site.add_page("/w/bad.html", worker_js_page()))
    page.evaluate("xo.ready")
    error = page.evaluate(
        "xo.activity.send({action: 'view', target: {product: 1}})"
        ".then(() => null, e => [e.constructor.name, e.message])"
    )
    assert error[0] == "TypeError"
    assert "target.product" in error[1]
    assert network.collected == []


def test_a_page_closed_right_after_a_send_from_the_worker_loses_nothing(
    context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """A send issued just before the page goes arrives (from the page hide or the next page)."""
    url = site.add_page("/w/close.html", worker_js_page())
    first = context.new_page()
    first.goto(url)
    first.evaluate("xo.ready.then(() => xo.activity.getSessionId())")
    first.evaluate("void xo.activity.send({action: 'click', target: {product: 'last'}})")
    first.close(run_before_unload=True)

    second = context.new_page()
    second.goto(url)
    second.evaluate("xo.ready")
    wait_until(second, lambda: with_target(network, {"product": "last"}), 20_000)
    [activity, *_] = with_target(network, {"product": "last"})
    assert activity["user"]["identities"]["sessionid"] == second.evaluate(SESSION)


def test_page_hide_sends_what_the_worker_queued_with_keepalive(
    context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """Entries the worker queued while the collector failed leave from the page on page hide."""
    network.responder = lambda _request: None
    page = context.new_page()
    page.goto(site.add_page("/w/hide.html", worker_js_page()))
    # An hour of backoff: the worker does not retry, so the next request is the page's.
    page.evaluate("xo.init({activity: {trackerKey: 'test-key', delivery: {retryBaseS: 3600}}})")
    outcome = page.evaluate("xo.activity.send({action: 'view', target: {pathToPage: '/hide'}})")
    assert outcome["ok"] is False
    assert outcome["queued"] is True
    before = len(network.collected)
    network.responder = lambda _request: (200, {"profiles": {}}, {})
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    wait_until(page, lambda: len(network.collected) > before, 10_000)
    keepalive = network.collected[before]
    assert keepalive.body[0]["target"] == {"pathToPage": "/hide"}


OUTBOX_HEADS = """Object.keys(localStorage).filter(k => k.startsWith('attraqtoutbox:'))
  .map(k => JSON.parse(localStorage.getItem(k))).sort((x, y) => x.at - y.at || x.seq - y.seq)"""


def test_page_hide_hands_nothing_to_the_browser_while_the_collector_fails(
    context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """After a failed attempt, a page hide's request leaves every entry in storage unhanded."""
    network.responder = lambda _request: None
    page = context.new_page()
    page.goto(site.add_page("/w/doubt.html", worker_js_page()))
    page.evaluate("xo.init({activity: {trackerKey: 'test-key', delivery: {retryBaseS: 3600}}})")
    first = page.evaluate("xo.activity.send({action: 'view', target: {pathToPage: '/one'}})")
    assert first["queued"] is True
    page.evaluate("void xo.activity.send({action: 'view', target: {pathToPage: '/two'}})")
    wait_until(page, lambda: len(page.evaluate(OUTBOX_HEADS)) == 2, 10_000)
    before = len(network.collected)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    wait_until(page, lambda: len(network.collected) > before, 10_000)
    heads = page.evaluate(OUTBOX_HEADS)
    assert [h["body"][0]["target"] for h in heads] == [
        {"pathToPage": "/one"},
        {"pathToPage": "/two"},
    ]
    assert not any(h.get("h") for h in heads)


def module_worker_script() -> str:
    """A shop's own module worker: the bundle's Pyodide, xo_web, one send; posts the result."""
    runtime = f"{BUNDLE_PREFIX}pyodide/"
    python = (
        "from xo_web import activity\n"
        "activity.init('test-key')\n"
        "outcome = await activity.send({'action': 'view', 'target': {'pathToPage': '/own'}})\n"
        "{'sessionId': activity.session_id, 'ok': outcome.ok}\n"
    )
    return (
        f'import {{ loadPyodide }} from "{runtime}pyodide.mjs";\n'
        f'const base = new URL("{runtime}", location.href).href;\n'
        "const pyodide = await loadPyodide({indexURL: base, lockFileURL: base +"
        ' "pyodide-lock.json", packageBaseUrl: base, packages: ["xo-web"]});\n'
        f"const said = await pyodide.runPythonAsync({json.dumps(python)});\n"
        "postMessage(said.toJs({dict_converter: Object.fromEntries}));\n"
    )


def test_a_shops_own_module_worker_is_bridged_by_connect_worker(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """A module worker running the bundle's Pyodide tracks with the page's own session id."""
    site.pages["/w/own-worker.mjs"] = SitePage(
        module_worker_script().encode(), content_type="text/javascript"
    )
    page.goto(site.add_page("/w/own.html", js_page(tracker_key=None)))
    session = page.evaluate("xo.ready.then(() => xo.activity.getSessionId())")
    page.evaluate(
        """() => {
      const worker = new Worker('/w/own-worker.mjs', {type: 'module'});
      xo.connectWorker(worker);
      // The worker's own result, not its {xo: "hello"} to the bridge.
      worker.addEventListener('message', e => { if (!e.data.xo) window.workerSaid = e.data; });
    }"""
    )
    said = wait_for(page, "window.workerSaid", boot_timeout_ms)
    assert said == {"sessionId": session, "ok": True}
    assert [a["target"] for a in network.accepted] == [{"pathToPage": "/own"}]


PENDING_KEYS = "Object.keys(localStorage).filter(k => k.startsWith('attraqtpending:'))"


def test_a_send_the_worker_never_took_is_replayed_by_the_next_page(
    context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """A send still between page and worker when the page goes is kept and sent by the next page."""
    url = site.add_page("/w/pending.html", worker_js_page())
    first = context.new_page()
    first.goto(url)
    first.evaluate("xo.ready.then(() => xo.activity.getSessionId())")
    kept = first.evaluate(
        """() => {
      xo.activity.send({action: 'click', target: {product: 'in-between'}});
      window.dispatchEvent(new PageTransitionEvent('pagehide'));
      xo.worker.terminate();  // the page goes, and its worker with it, before any answer
      return """
        + PENDING_KEYS
        + """.length;
    }"""
    )
    assert kept == 1
    first.close()

    second = context.new_page()
    second.goto(url)
    second.evaluate("xo.ready")
    wait_until(second, lambda: with_target(network, {"product": "in-between"}), 20_000)
    assert second.evaluate(PENDING_KEYS + ".length") == 0


def test_sends_right_after_a_re_init_are_not_put_off_by_the_tabs_own_lock(
    context: BrowserContext, site: StaticSite, network: Network
) -> None:
    """Sends right after a re-init (the page's data-tracker-key, then xo.init) are delivered
    at once: the new Delivery's flush waits for the one the re-init replaced, instead of
    finding the tab's own outbox lock held, taking it for another tab's and waiting a backoff
    (an hour here)."""
    slow: list[bool] = []

    def slow_first(_request: Any) -> Any:
        if not slow:
            slow.append(True)
            time.sleep(0.8)  # a slow collector: the second send lands during this flush
        return (200, {"profiles": {}}, {})

    network.responder = slow_first
    page = context.new_page()
    page.goto(site.add_page("/w/during-flush.html", worker_js_page()))
    page.evaluate("xo.init({activity: {trackerKey: 'test-key', delivery: {retryBaseS: 3600}}})")
    outcomes = page.evaluate(
        """() => {
      const first = xo.activity.send({action: 'view', target: {pathToPage: '/first'}});
      const second = new Promise(r => setTimeout(r, 300)).then(
        () => xo.activity.send({action: 'view', target: {pathToPage: '/second'}}));
      return Promise.all([first, second]);
    }"""
    )
    assert [o["ok"] for o in outcomes] == [True, True], outcomes
    assert [a["target"]["pathToPage"] for a in network.accepted] == ["/first", "/second"]
