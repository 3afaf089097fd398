"""The SDK inside a worker (PyScript ``worker`` scripts, module workers): the page bridge in js.

A worker has fetch and Web Locks but no localStorage and, without cross-origin isolation, no
synchronous way to the page. So the Tracker here stores into a ``MirrorStorage`` of the page's
``attraqt*`` keys (``xo_web.adapters.bridge``) whose writes travel to the page over a
``MessagePort``; the page's ``xo.js`` applies them to localStorage, relays other tabs' changes,
the privacy signals and online state, answers page-JS calls through this worker, and flushes
the outbox itself on page hide. HTTP goes out from the worker (``FetchTransport``).

Two ways to get the port: ``xo.js data-worker`` boots this worker and calls ``install`` with
the port and the page's snapshot; any other worker (PyScript ``<script type="py" worker>``, a
page's own module worker) asks the page on first use of ``xo_web.activity``: it posts
``{"xo": "hello"}`` with a fresh port until a page answers ``attach``, suspending Python (not
JavaScript) meanwhile with ``pyodide.ffi.run_sync``. ``await connect()`` does the same where
Python cannot be suspended.
"""

from __future__ import annotations

import asyncio
from typing import Any

import js
from pyodide.ffi import can_run_sync, create_proxy, jsnull, run_sync

from xo_web.adapters.bridge import MirrorStorage, PageCookies, PageEnvironment, WorkerBridge
from xo_web.adapters.browser import FetchTransport, web_locks
from xo_web.adapters.convert import to_js_value, to_py_argument
from xo_web.adapters.synced import PageSync, SyncedLocks
from xo_web.adapters.validation import PydanticOnFirstNeed
from xo_web.core.cookie import SessionCookieMirror
from xo_web.tracker import Tracker

CONNECT_TIMEOUT_S = 10.0
HELLO_EVERY_S = 0.2

_kept_alive: list[Any] = []
_bridge: WorkerBridge | None = None
_tracker: Tracker | None = None


def _field(data: Any, name: str) -> Any:
    value = getattr(data, name, None)
    return None if value is jsnull else value


def _message(data: Any) -> dict[str, Any]:
    """Convert one page message to Python; call arguments depth-limited like the main thread."""
    message = {name: _field(data, name) for name in ("xo", "id", "name", "key", "value", "seq")}
    message["online"] = _field(data, "online")
    message["verdict"] = _field(data, "verdict")
    message["message"] = _field(data, "message")
    snapshot = _field(data, "snapshot")
    if snapshot is not None:
        message["snapshot"] = snapshot.to_py(depth=1)
    args = _field(data, "args")
    if args is not None:
        message["args"] = [to_py_argument(a) for a in args]
    return message


def _start(port: Any, attach: Any) -> Tracker:
    """Wire a Tracker to the page behind ``port``, from the page's ``attach`` message."""
    global _bridge, _tracker

    def post(message: dict[str, Any]) -> None:
        port.postMessage(to_js_value(message))

    snapshot = _field(attach, "snapshot")
    storage = MirrorStorage(snapshot.to_py() if snapshot is not None else {}, post)
    refused, online = _field(attach, "refused") is True, _field(attach, "online") is not False
    environment = PageEnvironment(post, refused=refused, online=online)
    bridge = WorkerBridge(storage, environment, post)
    sync = PageSync(post, storage)
    bridge.on_synced = sync.answered
    page_locks = web_locks()
    locks = SyncedLocks(page_locks, sync) if page_locks is not None else None
    cookies = SessionCookieMirror(storage, PageCookies(post))  # the page writes the cookie
    tracker = Tracker(
        cookies,
        FetchTransport(),
        environment=environment,
        locks=locks,
        full_validation=PydanticOnFirstNeed(),
    )
    tracker._on_init = bridge.announce
    verdict = _field(attach, "consent")
    tracker._set_page_consent(str(verdict) if isinstance(verdict, str) else "none")
    bridge.serve(tracker)

    def on_message(event: Any) -> None:
        bridge.receive(_message(event.data))

    handler = create_proxy(on_message)
    _kept_alive.append(handler)
    port.onmessage = handler
    _bridge, _tracker = bridge, tracker
    return tracker


async def connect(timeout_s: float = CONNECT_TIMEOUT_S) -> Tracker:
    """Ask the page's ``xo.js`` for the bridge and return the worker's default Tracker.

    Posts ``hello`` with a new port every HELLO_EVERY_S until the page answers (the page may
    still be finding this worker); after ``timeout_s`` works from memory and warns.
    """
    if _tracker is not None:
        return _tracker
    loop = asyncio.get_event_loop()
    answered: asyncio.Future[tuple[Any, Any]] = loop.create_future()
    ports: list[Any] = []

    def listen(port: Any) -> Any:
        def on_message(event: Any) -> None:
            if not answered.done() and _field(event.data, "xo") == "attach":
                answered.set_result((port, event.data))

        return create_proxy(on_message)

    deadline = loop.time() + timeout_s
    while not answered.done() and loop.time() < deadline:
        channel = js.MessageChannel.new()
        port = channel.port1  # one proxy: the winner is told apart by identity below
        handler = listen(port)
        _kept_alive.append(handler)
        port.onmessage = handler
        ports.append(port)
        js.postMessage(to_js_value({"xo": "hello"}), to_js_value([channel.port2]))
        await asyncio.wait([answered], timeout=HELLO_EVERY_S)
    if _tracker is not None:
        return _tracker
    if not answered.done():
        js.console.warn(
            "[xo_web] no xo.js answered from the page: this worker keeps the session id, "
            "opt-out and queue in memory (add <script src=.../xo.js data-boot=false> to the page)"
        )
        return _start(_NoPage(), js.Object.new())
    winner, attach = answered.result()
    for other in ports:
        if other is not winner:
            other.close()
    return _start(winner, attach)


class _NoPage:
    """A port to nowhere: the worker works from memory when no page answers."""

    def postMessage(self, message: Any) -> None:
        """Drop ``message``."""

    onmessage: Any = None


def create_tracker() -> Tracker:
    """Return this worker's Tracker, connecting to the page first when ``install`` did not."""
    if _tracker is not None:
        return _tracker
    if can_run_sync():
        tracker: Tracker = run_sync(connect())
        return tracker
    js.console.warn(
        "[xo_web] xo_web.activity was first used where Python cannot wait for the page: "
        "working from memory (use it at the top level of the worker, or await connect() first)"
    )
    return _start(_NoPage(), js.Object.new())


def install(config: Any, port: Any, attach: Any) -> None:
    """Boot entry of ``xo.js`` in worker mode: wire to ``port``, init from the data attributes."""
    import xo_web
    from xo_web.facade.calls import init_arguments

    tracker = _start(port, attach)
    assert xo_web.activity is tracker  # the default instance is this one (create_tracker)
    options = to_py_argument(config) or {}
    if isinstance(options, dict) and options.get("trackerKey"):
        try:
            tracker.init(**init_arguments([options]))
        except Exception as error:
            js.console.error(f"[xo_web] data-tracker-key: {error}")
    if _bridge is not None:
        _bridge.announce(live=True)
