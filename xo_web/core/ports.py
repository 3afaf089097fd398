"""The ports: every way the pure core reaches the outside world, as Protocols and types.

The core talks to the browser only through these: `Storage` (localStorage), `Transport` (fetch)
and its optional synchronous half `Starter`, `Environment` (privacy signals, online state, the
console, error events), `Locks` (Web Locks), a `Clock`, an `IdFactory`, a `Random` source and a
`Timer`. The browser adapter (xo_web.adapters.browser) implements them with `js`; tests use the
fakes of xo_web.testing. Optional capabilities are Protocols of their own, checked with
`isinstance` once, never probed by attribute name.
"""

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from xo_web.errors import DeliveryError

Clock = Callable[[], float]
"""Return the current time in epoch seconds."""
IdFactory = Callable[[], str]
"""Return a fresh unique id (a UUID v4 string by default)."""
Random = Callable[[], float]
"""Return a uniform draw in [0, 1) (backoff jitter)."""
Cancel = Callable[[], None]
Timer = Callable[[float, Callable[[], None]], Cancel]
"""Run a callback after a delay in seconds (setTimeout / loop.call_later); return a canceller."""


class Storage(Protocol):
    """A string key-value store such as localStorage; any call may raise anything."""

    def get(self, key: str) -> str | None:
        """Return the value stored under `key`, or None."""
        ...

    def set(self, key: str, value: str) -> object:
        """Store `value` under `key` (what it returns is ignored)."""
        ...

    def remove(self, key: str) -> object:
        """Delete `key` if present (what it returns is ignored)."""
        ...

    def list_keys(self) -> list[str]:
        """Return the stored keys (localStorage.key(i) for every i)."""
        ...


@dataclass(frozen=True)
class HttpRequest:
    """One POST to the collector, as the Transport should perform it."""

    url: str
    body: str
    headers: Mapping[str, str]
    keepalive: bool
    timeout_s: float


@dataclass(frozen=True)
class HttpResponse:
    """The collector's answer; header names are lower case."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""


class Transport(Protocol):
    """Performs HTTP requests; raises TransportError on network failure or timeout."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send `request` and return the response, whatever its status."""
        ...


@runtime_checkable
class Starter(Protocol):
    """A Transport that can also begin a request synchronously (fetch is called at once).

    A `pagehide` handler needs it: nothing it schedules for later runs once the page is gone.
    """

    def start(self, request: HttpRequest) -> Awaitable[HttpResponse]:
        """Begin `request` now; the awaitable gives the response or raises TransportError."""
        ...


class Environment(Protocol):
    """The page around the SDK: privacy signals, online state, the console and error events."""

    def tracking_refused(self) -> bool:
        """Return True when Do-Not-Track or Global Privacy Control is on."""
        ...

    def is_online(self) -> bool:
        """Return False while the browser says it is offline (navigator.onLine)."""
        ...

    def warn(self, message: str) -> None:
        """Show `message` on the console."""
        ...

    def report(self, error: DeliveryError) -> None:
        """Announce a failed delivery or consent write (in the browser: an `xo:error` event)."""
        ...


class Locks(Protocol):
    """Named locks shared by the tabs of one origin; `hold` yields whether it was acquired.

    Acquisition never waits: a lock that another tab holds yields False, and a lock service
    that refuses or fails must yield True or False within a bounded time, never hang.
    """

    def hold(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Try to take `name` without waiting; yield True if held, False if another has it."""
        ...
