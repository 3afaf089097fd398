"""The HTML and JavaScript blocks of the README and docs/ run in Chromium against the bundle.

An HTML block is served as the body of a page (its `/xo/` paths pointing at the test bundle);
a JavaScript block runs on a page that loaded `xo.js` with a tracker key, once `xo.ready`. A
block passes when the page throws nothing, `xo.ready` resolves, and, if the block sends, when
its activity reaches the (intercepted) collector. The blocks come from tests/docs/blocks.py,
which finds every page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import HEAD
from tests.docs.blocks import Block, of
from tests.support.browser import Network, wait_for
from tests.support.static_site import StaticSite


def page_of(body: str) -> str:
    """A page whose body is `body`, with the docs' /xo/ paths moved to the test bundle."""
    body = body.replace('"/xo/', f'"{BUNDLE_PREFIX}')
    return f"{HEAD}<title>docs block</title></head><body>{body}</body></html>"


def settle(page: Page, network: Network, block: Block, errors: list[str], timeout_ms: int) -> None:
    """Wait until the block's activity was collected (when it sends); fail on a page error."""
    waited = 0
    while "send(" in block.text and not network.activities:
        assert errors == [], errors
        if waited >= timeout_ms:
            raise TimeoutError(f"{block}: nothing reached the collector in {timeout_ms} ms")
        page.wait_for_timeout(100)
        waited += 100
    assert errors == [], errors


@pytest.mark.parametrize("block", of("html"), ids=str)
def test_html_block_runs(
    block: Block, page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """The block, served as a page, throws nothing and delivers what it sends."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    path = f"/docs/{block.path.replace('/', '-')}-{block.line}.html"
    page.goto(site.add_page(path, page_of(block.text)))
    settle(page, network, block, errors, 2 * boot_timeout_ms)
    ready = page.evaluate(
        "Promise.race([xo.ready.then(() => 'ready', e => String(e)),"
        f" new Promise(r => setTimeout(() => r('not ready'), {2 * boot_timeout_ms}))])"
    )
    assert ready == "ready"
    assert errors == [], errors


@pytest.mark.parametrize("block", of("js"), ids=str)
def test_js_block_runs(
    block: Block, page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """The block, run on an xo.js page once ready, throws nothing and delivers what it sends."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    script = '<script src="/xo/xo.js" data-tracker-key="YOUR-KEY"></script>'
    page.goto(site.add_page(f"/docs/js-{block.line}.html", page_of(script)))
    page.evaluate(f"Promise.race([xo.ready, new Promise(r => setTimeout(r, {boot_timeout_ms}))])")
    assert page.evaluate("xo.pyodide !== undefined") is True
    page.add_script_tag(content=block.text)
    settle(page, network, block, errors, boot_timeout_ms)


def test_the_xo_error_detail_is_as_documented(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """A refused batch fires `xo:error` with the detail of docs/api.md: stage, message, status."""
    network.responder = lambda _: (400, {"error": "bad", "message": "refused"}, {})
    script = (
        "<script>window.said = []; addEventListener('xo:error', e => said.push(e.detail));</script>"
        '<script src="/xo/xo.js" data-tracker-key="YOUR-KEY"></script>'
    )
    page.goto(site.add_page("/docs/xo-error.html", page_of(script)))
    page.evaluate("xo.ready.then(() => xo.activity.send({action: 'view', target: {}}))")
    detail = wait_for(page, "window.said[0]", boot_timeout_ms)
    assert sorted(detail) == ["message", "stage", "status"]
    assert (detail["stage"], detail["status"]) == ("delivery", 400)
    assert isinstance(detail["message"], str)
