"""What xo_web's own CPython tests share: ids, running a send, reading bodies, and a `World`.

The fakes of the ports come from xo_web.testing (as users' tests get them). A `World` is one
browser profile: one storage, one scripted collector, one clock, shared Web Locks; each `tab()`
is a Tracker over them, and dropping a tab and opening another is a reload.
"""

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xo_web.core.keys import OUTBOX_ENTRY_PREFIX
from xo_web.core.ports import HttpRequest, HttpResponse, Locks, Storage, Transport
from xo_web.delivery.outcome import SendOutcome
from xo_web.errors import DeliveryError, TransportError
from xo_web.testing import (
    FakeClock,
    ManualTimer,
    MemoryLocks,
    MemoryStorage,
    QuietEnvironment,
    SequentialIds,
)
from xo_web.tracker import Tracker

TRACKER_KEY = "test-key"
ENDPOINT = "https://collect-eu.attraqt.io/test-key"
VIEW = {"action": "view", "target": {"product": "SKU-1"}}
Script = Callable[[HttpRequest], HttpResponse]


def answer(status: int, headers: dict[str, str] | None = None) -> HttpResponse:
    """Return a collector response with `status`."""
    body = json.dumps({"profiles": {}}) if 200 <= status < 300 else ""
    return HttpResponse(status, headers or {}, body)


def offline(_request: HttpRequest) -> HttpResponse:
    """A collector that cannot be reached."""
    raise TransportError("Failed to fetch")


@dataclass
class Collector:
    """A scripted collector: `script` answers each request; records what it got and accepted."""

    script: Script = field(default=lambda _request: answer(200))
    requests: list[HttpRequest] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request and record it."""
        self.requests.append(request)
        response = self.script(request)
        if 200 <= response.status < 300:
            self.accepted.extend(json.loads(request.body))
        return response

    def then(self, *answers: HttpResponse | Exception) -> None:
        """Answer the next requests with `answers` in turn, then 200 for ever."""
        queue = iter(answers)

        def script(_request: HttpRequest) -> HttpResponse:
            reply = next(queue, answer(200))
            if isinstance(reply, Exception):
                raise reply
            return reply

        self.script = script

    def products(self) -> list[str]:
        """Return the product of every accepted activity, in order."""
        return [a["target"]["product"] for a in self.accepted]


class ScriptedTransport:
    """A Transport (with the synchronous `start`) in front of a Collector."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Answer through the collector."""
        return await self.start(request)

    def start(self, request: HttpRequest) -> "asyncio.Future[HttpResponse]":
        """Answer through the collector at once; the future holds the response or error."""
        future: asyncio.Future[HttpResponse] = asyncio.get_event_loop().create_future()
        try:
            future.set_result(self.collector.handle(request))
        except Exception as exc:
            future.set_exception(exc)
        return future


@dataclass
class World:
    """One browser profile: storage, collector, clock, timers, locks and the errors reported."""

    storage: Storage = field(default_factory=MemoryStorage)
    collector: Collector = field(default_factory=Collector)
    clock: FakeClock = field(default_factory=FakeClock)
    locks: MemoryLocks = field(default_factory=MemoryLocks)
    lock_service: Locks | None = None  # replaces `locks` for the tabs when set
    jitter: float = 1.0
    errors: list[DeliveryError] = field(default_factory=list)
    environment: QuietEnvironment = field(default_factory=QuietEnvironment)
    timers: list[ManualTimer] = field(default_factory=list)
    tabs: list[Tracker] = field(default_factory=list)
    ids: SequentialIds = field(default_factory=lambda: SequentialIds(9000))

    def tab(
        self, *, init: bool = True, transport: Transport | None = None, **options: Any
    ) -> Tracker:
        """Open a tab: a Tracker over the shared ports (or its own `transport`), initialized
        with `options`."""
        timer = ManualTimer(self.clock)
        self.timers.append(timer)
        tracker = Tracker(
            self.storage,
            transport or ScriptedTransport(self.collector),
            environment=self.environment,
            clock=self.clock,
            on_error=self.errors.append,
            random=lambda: self.jitter,
            timer=timer,
            locks=self.lock_service or self.locks,
            delivery_ids=self.ids,
        )
        if init:
            tracker.init(TRACKER_KEY, **options)
        self.tabs.append(tracker)
        return tracker

    def close(self, tracker: Tracker) -> None:
        """Drop a tab without any page-hide handling, like a crash (its timers die with it)."""
        tracker.close()  # its Web Lock is freed by the browser with the page
        index = self.tabs.index(tracker)
        self.tabs.pop(index)
        self.timers.pop(index)

    async def run(self, seconds: float = 0.0, *, step: float = 0.05) -> None:
        """Let `seconds` pass, firing timers and letting flushes finish as they come due."""
        end = self.clock.now + seconds
        while True:
            await self.settle()
            pending = [due for timer in self.timers for due in timer.pending()]
            upcoming = [due for due in pending if due <= end]
            if not upcoming:
                self.clock.now = max(self.clock.now, end)
                await self.settle()
                return
            self.clock.now = max(self.clock.now, min(upcoming))
            for timer in self.timers:
                timer.fire_due()

    async def settle(self) -> None:
        """Run due timers and let every tab's flushes finish."""
        for _ in range(100):
            await asyncio.sleep(0)
            fired = sum(timer.fire_due() for timer in self.timers)
            for tracker in self.tabs:
                await tracker.idle()
            if not fired:
                return

    def queued(self) -> list[dict[str, Any]]:
        """Return the stored outbox entries (decoded JSON), any order."""
        data = self.storage.data if isinstance(self.storage, MemoryStorage) else {}
        return [json.loads(v) for k, v in data.items() if k.startswith(OUTBOX_ENTRY_PREFIX)]


def view(product: str, **extra: Any) -> dict[str, Any]:
    """Return a view activity of `product`."""
    return {"action": "view", "target": {"product": product, **extra}}


def nth_id(n: int) -> str:
    """Return the n-th id a fresh SequentialIds() produces."""
    return SequentialIds().nth(n)


def run_send(tracker: Tracker, activities: Any) -> SendOutcome | None:
    """Call tracker.send inside a running event loop and await the outcome."""

    async def go() -> SendOutcome | None:
        return await tracker.send(activities)

    return asyncio.run(go())


def sent(request: HttpRequest) -> list[dict[str, object]]:
    """Return the JSON array a request carried."""
    body = json.loads(request.body)
    assert isinstance(body, list)
    return body


def sent_user(request: HttpRequest, index: int = 0) -> dict[str, object]:
    """Return the user attached to the index-th activity of a request."""
    user = sent(request)[index]["user"]
    assert isinstance(user, dict)
    return user
