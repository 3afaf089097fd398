"""Browser-test helpers: the fake XO collector behind ``context.route`` and the network guard."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Route

COLLECTOR_URL = re.compile(r"^https?://collect-[a-z0-9]+\.attraqt\.io/")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "content-type, x-sdk",
    "access-control-allow-methods": "POST, OPTIONS",
    "access-control-expose-headers": "retry-after",
}


@dataclass
class CollectedRequest:
    """One POST the page made to the collector."""

    url: str
    headers: dict[str, str]
    body: Any


Answer = tuple[int, dict[str, Any], dict[str, str]]
Responder = Callable[[CollectedRequest], Answer | None]
"""Answers one collector request: (status, JSON payload, headers), or None to abort it."""


def _answer_ok(_: CollectedRequest) -> Answer:
    return 200, {"profiles": {"demo": {"score": 1}}}, {}


@dataclass
class Network:
    """Records collector calls (answered by ``responder``) and aborts anything not local.

    ``responder`` is settable at any time (fault injection); returning None aborts the request
    like an unreachable collector. ``answered`` lists the statuses given, in order.
    """

    responder: Responder = _answer_ok
    collected: list[CollectedRequest] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    answered: list[int] = field(default_factory=list)

    def install(self, context: BrowserContext) -> Network:
        """Route every request of ``context`` through the guard and the fake collector."""
        context.route("**/*", self._guard)
        context.route(COLLECTOR_URL, self._collect)
        return self

    def _guard(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOCAL_HOSTS:
            route.fallback()
            return
        self.blocked.append(url)
        route.abort()

    def _collect(self, route: Route) -> None:
        request = route.request
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=CORS_HEADERS)
            return
        raw = request.post_data or ""
        body = json.loads(raw) if raw else None
        collected = CollectedRequest(request.url, dict(request.headers), body)
        self.collected.append(collected)
        answer = self.responder(collected)
        if answer is None:
            self.answered.append(0)
            route.abort("connectionrefused")
            return
        status, payload, headers = answer
        self.answered.append(status)
        route.fulfill(
            status=status,
            headers={**CORS_HEADERS, **headers},
            content_type="application/json",
            body=json.dumps(payload),
        )

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """Every activity in a request the collector answered with a 2xx, in order."""
        pairs = zip(self.collected, self.answered, strict=False)
        return [a for request, status in pairs if 200 <= status < 300 for a in request.body]

    @property
    def activities(self) -> list[dict[str, Any]]:
        """Every activity received, across requests, in order."""
        return [activity for request in self.collected for activity in request.body]


def wait_for(page: Page, expression: str, timeout_ms: int, interval_ms: int = 100) -> Any:
    """Poll ``expression`` with ``page.evaluate`` (works under a CSP without 'unsafe-eval')."""
    waited = 0
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if waited >= timeout_ms:
            raise TimeoutError(f"timed out after {timeout_ms} ms waiting for: {expression}")
        page.wait_for_timeout(interval_ms)
        waited += interval_ms


def wait_for_collected(page: Page, network: Network, count: int, timeout_ms: int = 10_000) -> None:
    """Wait (inside Playwright, so routes run) until ``count`` requests reached the collector."""
    waited = 0
    while len(network.collected) < count:
        if waited >= timeout_ms:
            raise TimeoutError(f"expected {count} collector requests, got {len(network.collected)}")
        page.wait_for_timeout(50)
        waited += 50
