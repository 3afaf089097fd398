"""A content blocker drops the page's requests to collect-*.attraqt.io; the relay gets them past.

The page is the plain xo.js page, its requests to the XO collector blocked as a blocker blocks
them (`blockedbyclient`). Without the relay nothing arrives; with `data-collect-url` pointing
at the relay on 127.0.0.1 (another port: a cross-origin relay), every
activity of the seed's flow (arrive, browse, log in, browse, log out) reaches the upstream
collector with the right identities, and the collector records that the relay brought it.

Playwright answers CORS preflights itself while routing is on (the network guard routes every
request), so the preflight is measured without routing, by scripts/bench_server/preflight.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, Route

from tests.browser.pages import js_page
from tests.support.browser import COLLECTOR_URL, Network, wait_for
from tests.support.relay_servers import (
    bound_socket,
    collector_app,
    origin_of,
    serving,
    stored,
)
from tests.support.static_site import StaticSite
from xo_web.server.relay import create_relay

KEY = "shop-key"
CUSTOMER = "cust-ada"

# The seed's flow (as in tests/e2e): arrive, browse, log in, browse, log out, browse.
FLOW = """async () => {
  const a = xo.activity, sent = [];
  const send = async (action, target) => sent.push(await a.send({action, target}));
  await send("view", {pathToPage: "/"});                       // arrive
  await send("view", {product: "p-1"});                        // browse
  a.addUserIdentity("ecommerceid", CUSTOMER);                   // log in
  await send("view", {pathToPage: "/account"});
  await send("view", {product: "p-2"});                        // browse
  await send("add-to-cart", {product: "p-2"});
  const before = a.getSessionId();
  a.clearUser();                                               // log out
  await send("view", {pathToPage: "/"});
  return {outcomes: sent, before, after: a.getSessionId()};
}""".replace("CUSTOMER", repr(CUSTOMER))
FLOW_SIZE = 6


class Blocker:
    """A content blocker: drops every request to collect-*.attraqt.io, and counts them."""

    def __init__(self, page: Page) -> None:
        self.dropped: list[str] = []
        page.route(COLLECTOR_URL, self._drop)

    def _drop(self, route: Route) -> None:
        self.dropped.append(route.request.url)
        route.abort("blockedbyclient")


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[str]:
    """The local upstream collector (the demo's), serving on 127.0.0.1."""
    with serving(collector_app(tmp_path / "data", KEY), bound_socket()) as origin:
        yield origin


def relay_for(site: StaticSite, collector_origin: str, **settings: Any) -> Any:
    """A relay for the test site's pages whose upstream is the local collector."""
    return create_relay([KEY], [site.origin], collect_url=f"{collector_origin}/collect", **settings)


def open_page(page: Page, site: StaticSite, path: str, boot_timeout_ms: int, attrs: str) -> None:
    """Open the xo.js page (auto-init from its data attributes) and wait for xo.ready."""
    page.goto(site.add_page(path, js_page(tracker_key=KEY, extra_attrs=attrs)))
    page.evaluate("xo.ready.then(() => { window.booted = true; })")
    wait_for(page, "window.booted === true", boot_timeout_ms)


def wait_for_rows(page: Page, collector_origin: str, count: int, timeout_ms: int = 20_000):
    """Poll the collector (waiting inside Playwright) until it stored `count` activities."""
    waited = 0
    while len(rows := stored(collector_origin)) < count:
        assert waited < timeout_ms, f"the collector stored {len(rows)} of {count}"
        page.wait_for_timeout(100)
        waited += 100
    page.wait_for_timeout(300)  # nothing more (no duplicate) may arrive
    return stored(collector_origin)


def test_without_the_relay_a_blocker_drops_every_activity(
    page: Page, site: StaticSite, network: Network, collector: str, boot_timeout_ms: int
) -> None:
    """The problem: with collect-*.attraqt.io blocked, the flow's activities reach no one."""
    blocker = Blocker(page)
    open_page(page, site, "/relay/none.html", boot_timeout_ms, "")
    result = page.evaluate(FLOW)
    assert [o["ok"] for o in result["outcomes"]] == [False] * FLOW_SIZE
    assert all(o["queued"] for o in result["outcomes"])  # kept for a retry that will fail too
    assert blocker.dropped
    assert network.collected == []
    assert stored(collector) == []


def test_with_the_relay_every_activity_arrives_with_its_identities(
    page: Page, site: StaticSite, network: Network, collector: str, boot_timeout_ms: int
) -> None:
    """The fix: through the relay every activity of the flow arrives, identities intact."""
    blocker = Blocker(page)
    with serving(relay_for(site, collector), bound_socket()) as relay:
        attrs = f'data-collect-url="{relay}/xo-relay"'
        open_page(page, site, "/relay/through.html", boot_timeout_ms, attrs)
        result = page.evaluate(FLOW)
        rows = wait_for_rows(page, collector, FLOW_SIZE)
    assert [o["ok"] for o in result["outcomes"]] == [True] * FLOW_SIZE
    assert blocker.dropped == []
    assert network.collected == []
    before, after = result["before"], result["after"]
    assert before != after
    anonymous = {"sessionid": before}
    customer = {"sessionid": before, "ecommerceid": CUSTOMER}
    assert [r["activity"]["user"]["identities"] for r in rows] == [
        anonymous,
        anonymous,
        customer,
        customer,
        customer,
        {"sessionid": after},
    ]
    assert {r["via"] for r in rows} == {"1.1 xo-web-relay"}
    assert [r["trackerKey"] for r in rows] == [KEY] * FLOW_SIZE


def test_upstream_down_the_browser_retries_through_the_relay_until_it_arrives(
    page: Page, site: StaticSite, network: Network, tmp_path: Path, boot_timeout_ms: int
) -> None:
    """The relay answers 503 + Retry-After while the collector is down; the browser's outbox
    keeps the batch and delivers it once the collector is up."""
    statuses: list[int] = []

    def watch(request: Request) -> None:
        response = request.response()
        if request.method == "POST" and response is not None:
            statuses.append(response.status)

    page.on("requestfinished", watch)
    upstream = bound_socket()  # bound, not listening yet: connections are refused
    with serving(relay_for(site, origin_of(upstream), retry_after_s=1), bound_socket()) as relay:
        open_page(
            page, site, "/relay/down.html", boot_timeout_ms, f'data-collect-url="{relay}/xo-relay"'
        )
        outcome = page.evaluate("xo.activity.send({action: 'view', target: {product: 'p-9'}})")
        assert (outcome["status"], outcome["queued"]) == (503, True)
        waited = 0
        while statuses.count(503) < 2:  # the outbox retries while the collector stays down
            assert waited < 20_000, f"no retry: {statuses}"
            page.wait_for_timeout(100)
            waited += 100
        with serving(collector_app(tmp_path / "data", KEY), upstream) as collector:
            rows = wait_for_rows(page, collector, 1)
    assert [r["activity"]["target"] for r in rows] == [{"product": "p-9"}]
    assert statuses[:2] == [503, 503]
    assert statuses[-1] == 200
