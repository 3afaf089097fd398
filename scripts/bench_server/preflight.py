"""The CORS preflight that same-origin serving removes: counted and timed in Chromium.

The SDK's POST carries `X-SDK` and `Content-Type: application/json`, so a cross-origin target
(the XO collector, or a relay on another subdomain or port) makes Chromium send an `OPTIONS`
preflight before the first POST of each page context (then cached for the answer's
`Access-Control-Max-Age`). A relay mounted on the shop's own origin has none.

Two relays front the same local upstream: one mounted in the page's own app (same origin), one
on another port (cross-origin, allowing the page's origin). For `--rounds` fresh browser
contexts the page sends the SDK's request twice with `fetch` (the SDK's headers and options)
to each, and the script prints the `OPTIONS` requests each relay saw and the median time of
the first and the second send. No Playwright routing (it would answer preflights itself);
everything runs on 127.0.0.1, so the figure is a loopback floor: on a real network the
preflight costs one more round trip before the first send of every page load.

    .venv/bin/python -m scripts.bench_server.preflight [--rounds 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import urllib.request
from collections.abc import Sequence
from typing import Any

from playwright.sync_api import sync_playwright
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route

from scripts.bench.browser import launch_options
from scripts.bench_server.relay import BODY, KEY, upstream_app
from tests.support.asgi_site import bound_socket, origin_of, serve_asgi
from xo_web.server.relay import create_relay

PAGE = (
    "<!doctype html><meta charset='utf-8'><link rel='icon' href='data:,'><title>preflight</title>"
)
SEND = """async (url) => {
  const post = async () => {
    const start = performance.now();
    const response = await fetch(url, {method: "POST", body: BODY, keepalive: true,
      referrerPolicy: "no-referrer",
      headers: {"Content-Type": "application/json", "X-SDK": "1"}});
    await response.text();
    if (!response.ok) throw new Error("HTTP " + response.status);
    return performance.now() - start;
  };
  return [await post(), await post()];
}""".replace("BODY", json.dumps(BODY.decode()))


class Counted:
    """An ASGI app that counts the methods of the HTTP requests it passes on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.methods: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.methods.append(scope["method"])
        await self.app(scope, receive, send)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the preflight figure."""
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_server.preflight")
    parser.add_argument("--rounds", type=int, default=15, help="fresh browser contexts")
    args = parser.parse_args(argv)
    first: dict[str, list[float]] = {"same-origin": [], "cross-origin": []}
    second: dict[str, list[float]] = {"same-origin": [], "cross-origin": []}
    with serve_asgi(upstream_app) as upstream:
        page_socket = bound_socket()
        page_origin = origin_of(page_socket)
        settings: dict[str, Any] = {
            "collect_url": upstream,
            "rate_per_second": 1e6,
            "rate_burst": 1_000_000,
        }
        same = Counted(create_relay([KEY], [page_origin], **settings))
        cross = Counted(create_relay([KEY], [page_origin], **settings))

        async def page(request: Any) -> HTMLResponse:
            return HTMLResponse(PAGE)

        shop = Starlette(routes=[Route("/", page), Mount("/xo-relay", app=same)])
        with serve_asgi(cross) as cross_origin, serve_asgi(shop, page_socket):
            targets = {
                "same-origin": f"{page_origin}/xo-relay/{KEY}",
                "cross-origin": f"{cross_origin}/xo-relay/{KEY}",
            }
            for url in targets.values():  # warm each relay: validators, upstream connection
                warm(url, page_origin)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(**launch_options())
                for round_ in range(args.rounds):
                    order = list(targets.items())
                    for name, url in order if round_ % 2 else reversed(order):
                        context = browser.new_context()
                        tab = context.new_page()
                        tab.goto(page_origin + "/")
                        one, two = tab.evaluate(SEND, url)
                        first[name].append(one)
                        second[name].append(two)
                        context.close()
                browser.close()
    load = os.getloadavg()[0]
    print(f"CORS preflight, {args.rounds} fresh contexts x 2 sends each (load {load:.2f})")
    print("relay         OPTIONS seen  POSTs  first send ms (median)  second send ms (median)")
    for name, relay in (("same-origin", same), ("cross-origin", cross)):
        posts = relay.methods.count("POST") - 1  # less the warm-up
        print(
            f"{name:<13} {relay.methods.count('OPTIONS'):>12}  {posts:>5}"
            f"  {statistics.median(first[name]):>22.2f}  {statistics.median(second[name]):>23.2f}"
        )
    added = statistics.median(first["cross-origin"]) - statistics.median(first["same-origin"])
    print(f"the preflight adds {added:.2f} ms (loopback) to the first send of each page context")
    return 0


def warm(url: str, origin: str) -> None:
    """One POST from Python, so that no browser send pays the process's first-use costs."""
    headers = {"Origin": origin, "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=BODY, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


if __name__ == "__main__":
    sys.exit(main())
