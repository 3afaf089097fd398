"""Fakes for testing code that uses xo_web, the way httpx ships `MockTransport`.

Every port of xo_web.core.ports has a fake here, so a Tracker runs under plain CPython with no
browser, no network and no sleeping::

    from xo_web import Tracker
    from xo_web.testing import FakeClock, ManualTimer, MemoryStorage, MockTransport

    clock = FakeClock()
    transport = MockTransport()            # answers 200 {"profiles": {}} and records requests
    tracker = Tracker(MemoryStorage(), transport, clock=clock, timer=ManualTimer(clock))

Storages: `MemoryStorage`, `BrokenStorage` (every call raises, like a sandboxed frame),
`QuotaStorage` (full past a size). Transport: `MockTransport`. Time: `FakeClock`, `ManualTimer`.
Tabs (in xo_web.testing.locks, named here too): `MemoryLocks` (shared Web Locks),
`RefusingLocks` (a lock service that rejects), `GatedLocks` (a release that waits).
Ids: `SequentialIds`. The page: `QuietEnvironment`. The full validator on its way (pydantic,
loaded on first need in the browser): `ManualValidation` (xo_web.testing.validation).
xo_web's own tests use these too.
"""

import inspect
import itertools
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.core.storage import MemoryStorage
from xo_web.errors import DeliveryError
from xo_web.testing.locks import GatedLocks, MemoryLocks, RefusingLocks
from xo_web.testing.validation import ManualValidation

__all__ = [
    "START",
    "BrokenStorage",
    "FakeClock",
    "GatedLocks",
    "Handler",
    "ManualTimer",
    "ManualValidation",
    "MemoryCookies",
    "MemoryLocks",
    "MemoryStorage",
    "MockTransport",
    "QuietEnvironment",
    "QuotaStorage",
    "RefusingLocks",
    "SequentialIds",
    "TaskStorage",
]

START = 1_800_000_000.0
"""Where a FakeClock starts: a fixed instant (epoch seconds) in 2027."""


class BrokenStorage:
    """A Storage whose every call raises, like localStorage in a sandboxed iframe."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error if error is not None else OSError("storage unavailable")

    def get(self, key: str) -> str | None:
        """Raise the configured error."""
        raise self.error

    def set(self, key: str, value: str) -> None:
        """Raise the configured error."""
        raise self.error

    def remove(self, key: str) -> None:
        """Raise the configured error."""
        raise self.error

    def list_keys(self) -> list[str]:
        """Raise the configured error."""
        raise self.error


class QuotaStorage(MemoryStorage):
    """A MemoryStorage refusing writes beyond `limit_bytes` (counted in UTF-16, like browsers)."""

    def __init__(self, limit_bytes: int, data: Mapping[str, str] | None = None) -> None:
        super().__init__(data)
        self.limit_bytes = limit_bytes

    def used_bytes(self) -> int:
        """Return the bytes in use, counted as browsers count them (UTF-16 code units x 2)."""
        return sum(2 * (len(k) + len(v)) for k, v in self.data.items())

    def set(self, key: str, value: str) -> None:
        """Store `value` under `key`, or raise OSError when the quota would be exceeded."""
        used = self.used_bytes() - 2 * len(self.data.get(key, "")) + 2 * len(value)
        if key not in self.data:
            used += 2 * len(key)
        if used > self.limit_bytes:
            raise OSError(f"QuotaExceededError: {used} bytes needed, {self.limit_bytes} allowed")
        self.data[key] = value


class TaskStorage(MemoryStorage):
    """A MemoryStorage that knows when a task ends, as localStorage's adapter does: callbacks
    given to `at_task_end` run at `end_task()`; `sets` counts the writes that reached it."""

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        super().__init__(data)
        self.sets = 0
        self.task_end: list[Callable[[], None]] = []

    def at_task_end(self, callback: Callable[[], None]) -> None:
        """Run `callback` at the next `end_task()`."""
        self.task_end.append(callback)

    def end_task(self) -> None:
        """End the current task: run the callbacks given since the last end."""
        callbacks, self.task_end = self.task_end, []
        for callback in callbacks:
            callback()

    def set(self, key: str, value: str) -> None:
        """Store `value` under `key`, counted."""
        self.sets += 1
        super().set(key, value)


Handler = Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]
"""Answers a request: a response, an awaitable of one, or raises TransportError."""


def _ok_handler(request: HttpRequest) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps({"profiles": {}}))


class MockTransport:
    """A Transport that records every request in `requests` and answers with `handler`.

    The handler may return a response, an awaitable of one, or raise TransportError. The
    default handler answers 200 `{"profiles": {}}`. It also implements the synchronous
    `start` (core.ports.Starter), like the browser's fetch transport.
    """

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler: Handler = handler if handler is not None else _ok_handler
        self.requests: list[HttpRequest] = []

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Record `request` and return the handler's response."""
        return await self.start(request)

    def start(self, request: HttpRequest) -> Awaitable[HttpResponse]:
        """Record `request` at once and return an awaitable of the handler's response."""
        self.requests.append(request)
        try:
            response = self.handler(request)
        except Exception as exc:
            return _raising(exc)
        if inspect.isawaitable(response):
            return response
        return _ready(response)


async def _ready(response: HttpResponse) -> HttpResponse:
    return response


async def _raising(exc: Exception) -> HttpResponse:
    raise exc


class FakeClock:
    """A Clock that only moves when told to: set `now` or call `advance`."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        self.now += seconds


@dataclass
class _Call:
    due: float
    callback: Callable[[], None]
    active: bool = True


class ManualTimer:
    """A Timer whose callbacks run only when `fire_due` is called at or after their due time."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calls: list[_Call] = []

    def __call__(self, delay_s: float, callback: Callable[[], None]) -> Callable[[], None]:
        call = _Call(self.clock.now + delay_s, callback)
        self.calls.append(call)

        def cancel() -> None:
            call.active = False

        return cancel

    def pending(self) -> list[float]:
        """Return the due times of the callbacks not yet run or cancelled, earliest first."""
        return sorted(c.due for c in self.calls if c.active)

    def next_due(self) -> float | None:
        """Return the earliest pending due time, or None."""
        pending = self.pending()
        return pending[0] if pending else None

    def fire_due(self) -> int:
        """Run every active callback that is due; return how many ran."""
        due = [c for c in self.calls if c.active and c.due <= self.clock.now]
        for call in due:
            call.active = False
            call.callback()
        self.calls = [c for c in self.calls if c.active]
        return len(due)


class SequentialIds:
    """An IdFactory returning predictable UUID v4 strings: `nth(1)`, `nth(2)`, ..."""

    def __init__(self, group: int = 8000) -> None:
        self._group = group
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return self.nth(next(self._counter))

    def nth(self, n: int) -> str:
        """Return the n-th id this factory produces."""
        return f"00000000-0000-4000-{self._group:04d}-{n:012d}"


class MemoryCookies:
    """A Cookies port (xo_web.core.cookie) over a dict: `jar` maps each cookie to its value."""

    def __init__(self) -> None:
        self.jar: dict[str, str] = {}
        self.writes = 0

    def set(self, name: str, value: str) -> None:
        """Write the cookie `name`."""
        self.writes += 1
        self.jar[name] = value

    def delete(self, name: str) -> None:
        """Remove the cookie `name`."""
        self.writes += 1
        self.jar.pop(name, None)


class QuietEnvironment:
    """An Environment for tests: collects `warnings` and `reports`; `refused`, `online` settable."""

    def __init__(self, *, refused: bool = False, online: bool = True) -> None:
        self.refused = refused
        self.online = online
        self.warnings: list[str] = []
        self.reports: list[DeliveryError] = []

    def tracking_refused(self) -> bool:
        """Return the `refused` attribute."""
        return self.refused

    def is_online(self) -> bool:
        """Return the `online` attribute."""
        return self.online

    def warn(self, message: str) -> None:
        """Record `message` in `warnings`."""
        self.warnings.append(message)

    def report(self, error: DeliveryError) -> None:
        """Record `error` in `reports`."""
        self.reports.append(error)
