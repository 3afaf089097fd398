"""Sends on the main thread: one localStorage write per task, and nothing lost by leaving."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.browser.test_delivery import boot
from tests.support.browser import Network, wait_for, wait_for_collected
from tests.support.static_site import StaticSite

COUNT_OUTBOX_WRITES = """
window.outboxWrites = 0;
const setItem = Storage.prototype.setItem;
Storage.prototype.setItem = function (key, value) {
  if (String(key).startsWith("attraqtoutbox:")) window.outboxWrites += 1;
  return setItem.call(this, key, value);
};
"""

READ_OUTBOX = """<!doctype html><html><head><link rel="icon" href="data:,"><script>
window.found = Object.keys(localStorage).filter((k) => k.startsWith("attraqtoutbox:"))
  .flatMap((k) => JSON.parse(localStorage.getItem(k)).body.map((a) => a.target.product))
  .sort().join(",") || "none";
</script></head><body></body></html>"""

SEND_IN_ONE_TASK = """([count, then]) => {
  for (let i = 0; i < count; i++) xo.activity.send({action: "view", target: {product: "b" + i}});
  const writes = window.outboxWrites;
  queueMicrotask(() => { window.writesByTaskEnd = window.outboxWrites; });
  if (then) location.assign(then);
  return writes;
}"""

ON_CLICK = f"""(args) => {{
  addEventListener("click", () => ({SEND_IN_ONE_TASK})(args), {{once: true}});
}}"""

PATIENT = {"retry_base_s": 60.0, "retry_cap_s": 60.0, "max_attempts": 1000}


def _down(_request: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    return (503, {}, {})


def test_ten_sends_in_one_task_cost_one_outbox_write_made_before_the_task_ends(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """A burst of 10 sends in one task writes the outbox once, by the time the next task runs."""
    page.add_init_script(COUNT_OUTBOX_WRITES)
    network.responder = _down
    boot(page, site, "/shop/burst.html", boot_timeout_ms, delivery=PATIENT)
    page.evaluate("() => { window.outboxWrites = 0; }")
    during = page.evaluate(SEND_IN_ONE_TASK, [10, None])
    assert (during, page.evaluate("window.writesByTaskEnd")) == (0, 1)


def test_sends_then_navigating_in_the_same_task_loses_nothing(
    page: Page, site: StaticSite, network: Network, boot_timeout_ms: int
) -> None:
    """Five sends and a navigation in one task: the next page finds all five in storage."""
    network.responder = _down  # unhealthy channel: the page-hide flush hands nothing off
    boot(page, site, "/shop/leave.html", boot_timeout_ms, delivery=PATIENT)
    page.evaluate("() => { xo.activity.send({action: 'view', target: {product: 'b-first'}}); }")
    wait_for_collected(page, network, 1)
    site.add_page("/shop/read-outbox.html", READ_OUTBOX)
    page.evaluate(ON_CLICK, [5, "/shop/read-outbox.html"])
    page.mouse.click(5, 5)  # the click's task: five sends, then the navigation
    page.wait_for_url("**/read-outbox.html")
    found = wait_for(page, "window.found", 5000)
    assert found == "b-first,b0,b1,b2,b3,b4"
