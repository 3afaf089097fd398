"""The boundary between the pure core and the browser: ports, and fakes that implement them.

The core talks to the outside world only through these protocols: `Storage` (localStorage),
`Transport` (fetch), `Environment` (Do-Not-Track/GPC, online state, the console, DOM events), a
`Clock`, an `IdFactory` and a `Timer`. The browser adapter implements them with `js`; tests use
the in-memory fakes shipped here (`MemoryStorage`, `BrokenStorage`, `QuotaStorage`, `MockTransport`,
`QuietEnvironment`), the way httpx ships `MockTransport`. `GuardedStorage` wraps any Storage so
that the core never sees it fail.
"""

import inspect
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from xo_web.errors import DeliveryError

Clock = Callable[[], float]
IdFactory = Callable[[], str]
Cancel = Callable[[], None]
Timer = Callable[[float, Callable[[], None]], Cancel]
"""Run a callback after a delay in seconds (setTimeout / loop.call_later); return a canceller."""

_log = logging.getLogger("xo_web")


def new_uuid() -> str:
    """Return a fresh random UUID v4 string: the default IdFactory."""
    return str(uuid.uuid4())


class Storage(Protocol):
    """A string key-value store such as localStorage; any call may raise anything."""

    def get(self, key: str) -> str | None:
        """Return the value stored under `key`, or None."""
        ...

    def set(self, key: str, value: str) -> None:
        """Store `value` under `key`."""
        ...

    def remove(self, key: str) -> None:
        """Delete `key` if present."""
        ...


class MemoryStorage:
    """A dict-backed Storage; `data` is the dict, open for tests to inspect or seed."""

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self.data: dict[str, str] = dict(data or {})

    def get(self, key: str) -> str | None:
        """Return the value stored under `key`, or None."""
        return self.data.get(key)

    def set(self, key: str, value: str) -> None:
        """Store `value` under `key`."""
        self.data[key] = value

    def remove(self, key: str) -> None:
        """Delete `key` if present."""
        self.data.pop(key, None)

    def list_keys(self) -> list[str]:
        """Return the stored keys (localStorage.key(i) for every i)."""
        return list(self.data)


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

    def set(self, key: str, value: str) -> None:
        """Store `value` under `key`, or raise OSError when the quota would be exceeded."""
        after = {**self.data, key: value}
        used = sum(2 * (len(k) + len(v)) for k, v in after.items())
        if used > self.limit_bytes:
            raise OSError(f"QuotaExceededError: {used} bytes needed, {self.limit_bytes} allowed")
        self.data[key] = value


class GuardedStorage:
    """Wraps a Storage so that calls never raise; after a failure, works from memory.

    A value whose write failed is pinned in memory and served from there until a later write
    of that key succeeds, so a quota error cannot make an opt-out silently vanish. The first
    failure is announced once through `warn`.
    """

    def __init__(self, storage: Storage, warn: Callable[[str], None]) -> None:
        self._storage = storage
        self._warn = warn
        self._warned = False
        self._pinned: dict[str, str | None] = {}
        self.last_read_failed = False  # True when the latest get() could not read storage

    def get(self, key: str) -> str | None:
        """Return the stored value, the pinned one, or None when storage fails."""
        self.last_read_failed = False
        if key in self._pinned:
            return self._pinned[key]
        try:
            value = self._storage.get(key)
        except Exception as exc:
            self.last_read_failed = True
            self._failed(exc)
            return None
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str) -> None:
        """Store `value`, keeping it in memory when storage fails."""
        try:
            self._storage.set(key, value)
        except Exception as exc:
            self._pinned[key] = value
            self._failed(exc)
        else:
            self._pinned.pop(key, None)

    def remove(self, key: str) -> None:
        """Delete `key`, remembering the deletion in memory when storage fails."""
        try:
            self._storage.remove(key)
        except Exception as exc:
            self._pinned[key] = None
            self._failed(exc)
        else:
            self._pinned.pop(key, None)

    def list_keys(self) -> list[str]:
        """Return the stored keys (if the storage can list them) merged with the pinned ones."""
        listing = getattr(self._storage, "list_keys", None)
        found: list[str] = []
        if listing is not None:
            try:
                found = [key for key in listing() if isinstance(key, str)]
            except Exception as exc:
                self._failed(exc)
        pinned = [key for key, value in self._pinned.items() if value is not None]
        gone = {key for key, value in self._pinned.items() if value is None}
        return list(dict.fromkeys([k for k in found if k not in gone] + pinned))

    def _failed(self, exc: Exception) -> None:
        if self._warned:
            return
        self._warned = True
        self._warn(
            "xo_web: browser storage is unavailable "
            f"({type(exc).__name__}: {exc}); the session id, opt-out and delivery queue are "
            "kept in memory for this page only."
        )


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
    """Performs HTTP requests; raises TransportError on network failure or timeout.

    A Transport may also offer `start(request)`, which begins the request synchronously and
    returns an awaitable of the response: what a `pagehide` handler needs, since nothing it
    schedules for later runs once the page is gone (see `Starter`).
    """

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send `request` and return the response, whatever its status."""
        ...


class Starter(Protocol):
    """The optional synchronous half of a Transport (fetch is called before this returns)."""

    def start(self, request: HttpRequest) -> Awaitable[HttpResponse]:
        """Begin `request` now; the awaitable gives the response or raises TransportError."""
        ...


Handler = Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]


def _ok_handler(request: HttpRequest) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps({"profiles": {}}))


class MockTransport:
    """A Transport that records every request in `requests` and answers with `handler`.

    The handler may return a response, an awaitable of one, or raise TransportError. The
    default handler answers 200 `{"profiles": {}}`.
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


class Environment(Protocol):
    """The page around the SDK: privacy signals, the console and error events."""

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
        """Announce a failed delivery (in the browser: an `xo:error` DOM event)."""
        ...


class LoggingEnvironment:
    """The default Environment outside the browser: never refused, logs to `xo_web`."""

    def tracking_refused(self) -> bool:
        """Return False: there is no privacy signal outside the browser."""
        return False

    def is_online(self) -> bool:
        """Return True: outside the browser the network is assumed to be there."""
        return True

    def warn(self, message: str) -> None:
        """Log `message` as a warning."""
        _log.warning("%s", message)

    def report(self, error: DeliveryError) -> None:
        """Log the failed delivery as a warning."""
        _log.warning("xo_web: delivery failed: %s", error)


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
