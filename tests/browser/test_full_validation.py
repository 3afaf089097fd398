"""pydantic off the boot path (issue 19), in Chromium: loaded on the first call that needs it.

Booting xo.js loads no pydantic wheel; the common shapes go out without it. A call whose shape
only the full validator takes (or an invalid one, whose error it words) is held until its
wheels are loaded, in order with the calls after it, and answered at its own Promise. The
wheel requests are watched with a route (it sees the worker's requests too).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import js_page, pyscript_page
from tests.browser.test_boot_and_hide import PENDING, HeldFiles, carrying, wait_until
from tests.support.browser import Network, wait_for
from tests.support.static_site import StaticSite

MODES = {"default": "", "worker": "data-worker"}
UNCOMMON = "{action: 'view', target: {product: '%s'}, custom: {nested: {deep: [1, 'a']}}}"


class WheelLog:
    """The wheels the pages of one context request, in order."""

    def __init__(self, context: BrowserContext) -> None:
        self.urls: list[str] = []
        context.route("**/*.whl", self._record)

    def _record(self, route: Route) -> None:
        self.urls.append(route.request.url)
        route.fallback()

    def pydantic(self) -> list[str]:
        """The pydantic and pydantic-core wheels requested so far."""
        return [u for u in self.urls if u.rsplit("/", 1)[-1].startswith("pydantic")]


@pytest.fixture
def wheels(context: BrowserContext, network: Network) -> WheelLog:
    """The wheel requests (registered after the network guard, so seen first)."""
    return WheelLog(context)


@pytest.fixture
def held_pydantic(context: BrowserContext, wheels: WheelLog) -> Iterator[HeldFiles]:
    """pydantic's wheels held back until let through (so calls stay held meanwhile)."""
    held = HeldFiles(context, "**/pydantic*.whl")
    yield held
    held.let_through()


def open_page(page: Page, site: StaticSite, mode: str, name: str) -> None:
    page.goto(site.add_page(f"/full/{name}-{mode}.html", js_page(extra_attrs=MODES[mode])))
    page.evaluate("xo.ready")


def settled(page: Page, calls: str) -> list[Any]:
    """Run the JS expressions ``calls`` (an array of Promises) and return how each settled."""
    results: list[Any] = page.evaluate(
        f"Promise.allSettled({calls}).then(rs => rs.map(r => r.status === 'fulfilled' ?"
        " ['ok', r.value] : [r.reason.constructor.name, r.reason.message]))"
    )
    return results


def pydantic_loaded_on_page(page: Page) -> bool:
    return bool(page.evaluate("'pydantic' in xo.pyodide.loadedPackages"))


@pytest.mark.parametrize("mode", list(MODES))
def test_a_send_that_needs_the_full_validator_is_delivered_once_pydantic_loads(
    page: Page, site: StaticSite, network: Network, wheels: WheelLog, mode: str
) -> None:
    """At ready no pydantic wheel was fetched; an uncommon shape loads it and is delivered."""
    open_page(page, site, mode, "deliver")
    [[status, _]] = settled(page, "[xo.activity.send({action: 'view', target: {product: 'f'}})]")
    assert status == "ok"
    assert wheels.pydantic() == []  # booted and sent a common shape: no pydantic
    if mode == "default":
        assert not pydantic_loaded_on_page(page)
    [[status, outcome]] = settled(page, f"[xo.activity.send({UNCOMMON % 'u'})]")
    assert (status, outcome["ok"]) == ("ok", True)
    [activity] = carrying(network, {"product": "u"})
    assert activity["custom"] == {"nested": {"deep": [1, "a"]}}
    assert len(wheels.pydantic()) == 2  # pydantic and pydantic-core, on this first need
    if mode == "default":
        assert pydantic_loaded_on_page(page)


@pytest.mark.parametrize("mode", list(MODES))
def test_a_bad_send_before_pydantic_is_refused_at_its_own_promise_naming_the_field(
    page: Page, site: StaticSite, network: Network, wheels: WheelLog, mode: str
) -> None:
    """A held invalid send rejects its own Promise with a TypeError naming the field, while
    the held valid one before it and the common one after it arrive, in their order."""
    open_page(page, site, mode, "bad")
    results = settled(
        page,
        f"[xo.activity.send({UNCOMMON % 'h-1'}),"
        " xo.activity.send({action: 'view', target: {product: 'h-2'}, metadata: {price: 'x'}}),"
        " xo.activity.send({action: 'view', target: {product: 'h-3'}})]",
    )
    assert [r[0] for r in results] == ["ok", "TypeError", "ok"]
    assert "metadata.price" in results[1][1]
    wait_until(page, lambda: carrying(network, {"product": "h-3"}))
    products = [a["target"]["product"] for a in network.activities]
    assert products == ["h-1", "h-3"]  # the common one waited behind the held one


@pytest.mark.parametrize("mode", list(MODES))
def test_a_setter_held_for_pydantic_applies_before_the_send_after_it(
    page: Page, site: StaticSite, network: Network, wheels: WheelLog, mode: str
) -> None:
    """A setter the fast path leaves to pydantic is held; the send after it carries its
    change, and a bad setter is refused at its own Promise naming the field."""
    open_page(page, site, mode, "setter")
    results = settled(
        page,
        "[Promise.resolve(xo.activity.addUserIdentity('crmÏd', 'c-1')),"
        " Promise.resolve(xo.activity.setUserSegments(['vip', {bad: 1}])),"
        " xo.activity.send({action: 'view', target: {product: 's-1'}})]",
    )
    assert [r[0] for r in results] == ["ok", "TypeError", "ok"]
    assert "user.segments[1]" in results[1][1]
    [activity] = carrying(network, {"product": "s-1"})
    assert activity["user"]["identities"]["crmïd"] == "c-1"
    assert activity["user"]["segments"] == []


@pytest.mark.parametrize("mode", list(MODES))
def test_a_held_send_survives_a_navigation_while_pydantic_loads(
    page: Page, site: StaticSite, network: Network, held_pydantic: HeldFiles, mode: str
) -> None:
    """A send held for pydantic when the page goes is kept and sent by the next page."""
    open_page(page, site, mode, "gone")
    page.evaluate(f"() => {{ xo.activity.send({UNCOMMON % 'g-1'}); }}")
    wait_until(page, lambda: held_pydantic.held)
    page.goto(site.add_page(f"/full/next-{mode}.html", js_page(extra_attrs=MODES[mode])))
    held_pydantic.let_through()
    page.evaluate("xo.ready")
    wait_until(page, lambda: carrying(network, {"product": "g-1"}, accepted=True))
    wait_until(page, lambda: page.evaluate(PENDING) == 0)
    assert len(carrying(network, {"product": "g-1"})) == 1


UNCOMMON_FROM_PYTHON = """
import js
from xo_web import activity, ValidationError

activity.init("test-key")
js.window.loadedAtStart = "pydantic" in __import__("pyodide_js").loadedPackages.object_keys()
outcome = await activity.send(
    {"action": "view", "target": {"product": "py-1"}, "custom": {"nested": {"deep": 1}}}
)
try:
    await activity.send({"action": "view", "target": {"product": "py-2"}, "opposite": "no"})
except ValidationError as error:
    js.window.pyError = str(error)
js.window.flowDone = outcome.ok
"""


def test_a_pyscript_page_loads_pydantic_for_an_uncommon_shape(
    page: Page, site: StaticSite, network: Network, wheels: WheelLog, boot_timeout_ms: int
) -> None:
    """On a PyScript page (the bundle's config) pydantic loads on first need: the uncommon
    send is delivered and a bad one raises ValidationError at its awaitable."""
    page.goto(site.add_page("/full/py.html", pyscript_page(UNCOMMON_FROM_PYTHON)))
    wait_for(page, "window.flowDone === true", boot_timeout_ms)
    assert page.evaluate("window.loadedAtStart") is False
    assert carrying(network, {"product": "py-1"})
    assert "opposite" in page.evaluate("window.pyError")
    assert len(wheels.pydantic()) == 2


SHOP_USES_PYDANTIC = """
import js
import pydantic
from xo_web import activity

class Product(pydantic.BaseModel):
    sku: str

activity.init("test-key")
sku = Product.model_validate({"sku": "own-1"}).sku
outcome = await activity.send({"action": "view", "target": {"product": sku}, "x": {"y": 1}})
js.window.flowDone = outcome.ok
"""


def test_a_pyscript_page_that_lists_pydantic_in_its_packages_uses_it_itself(
    page: Page, site: StaticSite, network: Network, wheels: WheelLog, boot_timeout_ms: int
) -> None:
    """A shop's config listing ``pydantic`` gets it at boot, uses it, and the SDK uses it."""
    config = {
        "interpreter": f"{BUNDLE_PREFIX}pyodide/pyodide.mjs",
        "packages": ["xo_web", "pydantic"],
        "packages_cache": "passthrough",
    }
    site.add_page("/full/shop.json", json.dumps(config))
    html = pyscript_page(SHOP_USES_PYDANTIC).replace(
        f"{BUNDLE_PREFIX}pyscript.json", "/full/shop.json"
    )
    page.goto(site.add_page("/full/shop.html", html))
    wait_for(page, "window.flowDone === true", boot_timeout_ms)
    assert carrying(network, {"product": "own-1"})
    assert len(wheels.pydantic()) == 2  # once, at boot
