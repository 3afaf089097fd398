"""The ONLY module that talks to the browser: localStorage, fetch, privacy signals, DOM events.

It implements the ports of ``xo_web.core.ports`` with ``js``/``pyodide`` and binds the pure
facade (``xo_web.facade``) to ``window.xo.activity`` through the loader's ``xo.__attach``.
Importing it outside Pyodide fails, which is why nothing else imports it except under
``sys.platform == "emscripten"``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import js
from pyodide.ffi import JsException, create_once_callable, create_proxy, jsnull

from xo_web.adapters.consent import listen_for_consent
from xo_web.adapters.convert import MAX_ARGUMENT_DEPTH as MAX_ARGUMENT_DEPTH
from xo_web.adapters.convert import promise, to_py_arguments
from xo_web.adapters.convert import to_js_value as to_js_value
from xo_web.adapters.convert import to_py_argument as to_py_argument
from xo_web.adapters.validation import PydanticOnFirstNeed
from xo_web.adapters.weblock import LockRequest
from xo_web.core.cookie import SessionCookieMirror, cookie_string
from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.errors import ConsentError, DeliveryError, TransportError
from xo_web.facade.calls import Answer, Facade, init_arguments
from xo_web.tracker import Tracker

_kept_alive: list[Any] = []  # proxies handed to JS must outlive the call that made them


class LocalStorage:
    """``window.localStorage`` as a Storage; every call may raise (blocked storage, quota).

    The Storage object is looked up once it is reachable (``js.window.localStorage`` crosses
    into JS twice, which cost about 10 µs per call)."""

    def __init__(self) -> None:
        self._area: Any = None
        self._at_end: Any = None  # the one proxy of the callback run at the end of the task
        self._callback: Callable[[], None] = lambda: None

    def at_task_end(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` when the current task's script ends (a microtask): the outbox's
        writes of one task are written once, before the page can go away."""
        self._callback = callback
        if self._at_end is None:
            self._at_end = create_proxy(lambda: self._callback())
        js.queueMicrotask(self._at_end)

    def _storage(self) -> Any:
        if self._area is None:
            self._area = js.window.localStorage  # may raise: tried again on the next call
        return self._area

    def get(self, key: str) -> str | None:
        """Return the value under ``key``, or None."""
        value = self._storage().getItem(key)
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        self._storage().setItem(key, value)

    def remove(self, key: str) -> None:
        """Remove ``key``."""
        self._storage().removeItem(key)

    def list_keys(self) -> list[str]:
        """Return every key in localStorage (the outbox looks for its own among them)."""
        storage = self._storage()
        keys = (storage.key(i) for i in range(int(storage.length)))
        return [key for key in keys if isinstance(key, str)]


class DocumentCookies:
    """``document.cookie`` as the Cookies port: first-party, ``Secure`` on https."""

    def set(self, name: str, value: str) -> None:
        """Write the cookie ``name``."""
        js.document.cookie = cookie_string(name, value, secure=_https())

    def delete(self, name: str) -> None:
        """Expire the cookie ``name`` at once."""
        js.document.cookie = cookie_string(name, "", secure=_https(), max_age=0)


def _https() -> bool:
    return str(js.location.protocol) == "https:"


class FetchTransport:
    """POSTs with ``fetch``: no referrer, keepalive when asked, aborted after the timeout."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request``; raise TransportError on network failure or timeout."""
        return await self.start(request)

    def start(self, request: HttpRequest) -> Awaitable[HttpResponse]:
        """Call ``fetch`` now (a ``pagehide`` handler needs that) and return the answer later."""
        signal = js.AbortSignal.timeout(int(request.timeout_s * 1000))
        init = {
            "method": "POST",
            "headers": dict(request.headers),
            "body": request.body,
            "keepalive": request.keepalive,
            "referrerPolicy": "no-referrer",
            "credentials": "omit",
            "signal": signal,
        }
        try:
            promise = js.fetch(request.url, to_js_value(init))
        except JsException as error:
            return _transport_failure(error, signal)
        return _answer(promise, signal)


async def _answer(promise: Any, signal: Any) -> HttpResponse:
    try:
        response = await promise
        body = await response.text()
    except (OSError, JsException) as error:
        raise TransportError(str(error), timeout=bool(signal.aborted)) from error
    headers = {str(pair[0]).lower(): str(pair[1]) for pair in response.headers.entries()}
    return HttpResponse(int(response.status), headers, str(body))


async def _transport_failure(error: Exception, signal: Any) -> HttpResponse:
    raise TransportError(str(error), timeout=bool(signal.aborted)) from error


class WebLocks:
    """``navigator.locks`` as the Locks port: ``request(name, {ifAvailable: true}, cb)``.

    The lock is held until the Promise the callback returns settles, which happens when the
    ``hold`` block ends; the browser frees it by itself if the tab dies.
    """

    @asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Yield True while holding the Web Lock ``name``, False if another tab has it."""
        lock = LockRequest()

        def executor(resolve: Any, _reject: Any) -> None:
            lock.keep(resolve)

        def callback(granted: Any) -> Any:
            if not lock.on_grant(granted is not None and granted is not jsnull):
                return None
            return js.Promise.new(create_once_callable(executor))

        options = to_js_value({"ifAvailable": True})
        request = js.navigator.locks.request(name, options, create_once_callable(callback))
        request.catch(create_once_callable(lock.refused))
        async with lock.held() as held:
            yield held
        if held:
            # The browser lets the lock go only after the callback's Promise settles (a later
            # task), and settles the request's own Promise once it has. Waiting for that keeps
            # this tab's next flush, often started in the same task, from finding its own lock
            # still held and taking it for another tab's (its sends then waited a backoff).
            with contextlib.suppress(Exception):
                await request


def web_locks() -> WebLocks | None:
    """Return WebLocks when ``navigator.locks`` exists (secure contexts), else None."""
    return WebLocks() if getattr(js.navigator, "locks", None) is not None else None


class BrowserEnvironment:
    """Do-Not-Track / Global Privacy Control, the console, and ``xo:error`` events.

    The privacy signals are read once, at the first call, and kept (they do not change during
    a page's life; reading them through JS proxies on every ``send`` cost about 18 µs)."""

    def __init__(self) -> None:
        self._refused: bool | None = None

    def tracking_refused(self) -> bool:
        """Return True when the visitor sends Do-Not-Track or Global Privacy Control."""
        if self._refused is None:
            self._refused = self._read_signals()
        return self._refused

    def _read_signals(self) -> bool:
        navigator = js.window.navigator
        dnt = (getattr(navigator, "doNotTrack", None), getattr(js.window, "doNotTrack", None))
        if any(isinstance(v, str) and v.lower() in ("1", "yes") for v in dnt):
            return True
        return getattr(navigator, "globalPrivacyControl", None) is True

    def is_online(self) -> bool:
        """Return ``navigator.onLine`` (True when the browser does not say)."""
        return getattr(js.navigator, "onLine", True) is not False

    def warn(self, message: str) -> None:
        """Write ``message`` to the console as a warning."""
        js.console.warn(f"[xo_web] {message}")

    def report(self, error: DeliveryError) -> None:
        """Dispatch an ``xo:error`` event on window and log the error once."""
        stage = "consent" if isinstance(error, ConsentError) else "delivery"
        detail = {"stage": stage, "message": str(error), "status": error.status}
        js.window.dispatchEvent(js.CustomEvent.new("xo:error", to_js_value({"detail": detail})))
        js.console.error(f"[xo_web] {stage} failed: {error}")


def create_tracker() -> Tracker:
    """Return a Tracker wired to this browser; ``init`` also binds ``window.xo.activity``.
    In a worker: the page-bridged one of ``xo_web.adapters.worker``."""
    if getattr(js, "WorkerGlobalScope", None) is not None:
        from xo_web.adapters import worker

        return worker.create_tracker()
    storage = SessionCookieMirror(LocalStorage(), DocumentCookies())
    tracker = Tracker(
        storage,
        FetchTransport(),
        environment=BrowserEnvironment(),
        locks=web_locks(),
        full_validation=PydanticOnFirstNeed(),
    )
    tracker._on_init = lambda: attach(tracker)
    listen_for_delivery(tracker)
    listen_for_consent(tracker)
    return tracker


def listen_for_delivery(tracker: Tracker) -> None:
    """Flush on ``online`` at once, and synchronously on ``pagehide`` / hidden (keepalive)."""

    def on_hide(_event: Any) -> None:
        tracker._flush_on_unload()

    def on_visibility(_event: Any) -> None:
        if str(js.document.visibilityState) == "hidden":
            tracker._flush_on_unload()

    def on_online(_event: Any) -> None:
        tracker._flush_soon()

    for target, event, handler in (
        (js.window, "pagehide", on_hide),
        (js.document, "visibilitychange", on_visibility),
        (js.window, "online", on_online),
    ):
        proxy = create_proxy(handler)
        _kept_alive.append(proxy)
        target.addEventListener(event, proxy)


_attached: set[int] = set()  # ids of the trackers bound to window.xo.activity


def attach(tracker: Tracker) -> None:
    """Bind ``tracker`` to ``window.xo.activity`` (once), loading the stub loader if needed."""
    if id(tracker) in _attached:
        return
    facade = Facade(tracker)
    # xo.js reads {ok, value} at once and keeps nothing: one object serves every send.
    sent = to_js_value({"ok": True, "value": None})

    def dispatch(name: str, args: Any) -> Any:
        try:
            answer = facade.call(name, to_py_arguments(args))
        except RecursionError:
            message = f"xo.activity.{name}: an argument is cyclic or nested too deeply"
            answer = Answer(False, kind="TypeError", message=message)
        if answer.ok and answer.awaitable is not None:
            sent.value = promise(answer.awaitable)
            return sent
        return to_js_value({"ok": answer.ok, "value": answer.value, "kind": answer.kind,
                       "message": answer.message})  # fmt: skip

    proxy = create_proxy(dispatch)
    _kept_alive.append(proxy)
    _attached.add(id(tracker))
    xo = getattr(js.window, "xo", None)
    if xo is not None and hasattr(xo, "__attach"):
        xo.__attach(proxy)
        return
    _inject_loader(proxy)


def bundle_base_url() -> str:
    """Return the URL of the bundle root (the folder above the Pyodide runtime)."""
    import pyodide_js

    index_url = str(pyodide_js._api.config.indexURL)
    return index_url.rstrip("/").rsplit("/", 1)[0] + "/"


def _inject_loader(dispatch: Any) -> None:
    """Load ``xo.js`` in stub-only mode (a PyScript page without it), then attach."""
    script = js.document.createElement("script")
    script.src = bundle_base_url() + "xo.js"
    script.dataset.boot = "false"

    def loaded(_event: Any) -> None:
        js.window.xo.__attach(dispatch)
        from xo_web import activity

        listen_for_consent(activity)

    on_load = create_proxy(loaded)
    _kept_alive.append(on_load)
    script.addEventListener("load", on_load)
    js.document.head.appendChild(script)


def install(config: Any = None) -> None:
    """Boot entry point of ``xo.js``: init from the data attributes, then attach."""
    from xo_web import activity

    options = to_py_argument(config) or {}
    assert isinstance(options, dict)
    if options.get("trackerKey"):
        try:
            activity.init(**init_arguments([options]))
        except Exception as error:
            js.console.error(f"[xo_web] data-tracker-key: {error}")
    attach(activity)
