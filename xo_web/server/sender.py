"""The sender: claims batches from the outbox and posts them, until told to stop.

`ThreadSender` runs in a daemon thread with a synchronous client (sync apps, the
`xo-web sender` process); `TaskSender` runs as an asyncio task with an async client, the
database calls in a worker thread (asyncio apps). Both wake at once when this process records
an activity, and otherwise look every `poll_s` for work written elsewhere. `stop(timeout)`
returns within the timeout: a batch still in flight keeps its lease and is retried by the next
sender once the lease ends (at least once). Failures are logged, never raised.
"""

import asyncio
import contextlib
import encodings.idna  # noqa: F401  (see below)
import logging
import threading
from collections.abc import Callable

import httpx2

from xo_web.server.client import apost, make_async_client, make_client, post
from xo_web.server.courier import Courier
from xo_web.server.errors import OutboxError
from xo_web.server.settings import SenderSettings
from xo_web.server.store import SqlStore

# encodings.idna, the codec of a request's host name, would be imported on the first request,
# in the sender thread, where a fork meanwhile (gunicorn preload_app) can leave the child a
# half-imported module; importing it above does it in the thread that imports the tracker.
log = logging.getLogger("xo_web.server")

StoreFactory = Callable[[], SqlStore]


class ThreadSender:
    """A sender in a daemon thread.

    Its HTTP client is made here, in the thread that starts the sender, so the thread itself
    imports nothing (imports in a background thread are what a fork can catch half done).
    """

    def __init__(self, make_store: StoreFactory, settings: SenderSettings) -> None:
        self._make_store = make_store
        self._settings = settings
        self._client: httpx2.Client | None = make_client(settings)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()  # set each time a claim finds nothing due
        self._thread = threading.Thread(target=self._run, name="xo_web-sender", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def alive(self) -> bool:
        """Whether the thread still runs."""
        return self._thread.is_alive()

    def wake(self) -> None:
        """Look for work now (an activity was just recorded)."""
        self._wake.set()

    @property
    def idle(self) -> threading.Event:
        """Set each time this sender finds nothing due: `flush` clears it, looks, waits on it."""
        return self._idle

    def stop(self, timeout: float) -> bool:
        """Ask the thread to stop; return whether it did within `timeout` seconds."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(max(timeout, 0.0))
        return not self._thread.is_alive()

    def run_forever(self) -> None:
        """Run in the calling thread until `stop` (the `xo-web sender` process)."""
        self._run()

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        store = self._make_store()
        courier = Courier(store, self._settings)
        client, self._client = self._client or make_client(self._settings), None
        try:
            with client:
                while not self._stopping.is_set():
                    try:
                        claim = courier.claim()
                        if claim is None:
                            self._idle.set()
                            self._sleep(courier.idle_wait())
                            continue
                        answer = post(client, claim.endpoint, claim.bodies)
                        pause = courier.settle(claim, answer) or courier.linger(claim)
                    except OutboxError as error:
                        log.warning("xo_web sender: %s", error)
                        pause = courier.error_wait()
                    if pause > 0:
                        self._stopping.wait(pause)
        except Exception:  # pragma: no cover - a bug; logged so the thread never dies silently
            log.exception("xo_web sender stopped by an unexpected error")
        finally:
            store.close()


class TaskSender:
    """A sender as a task on the running asyncio loop."""

    def __init__(self, make_store: StoreFactory, settings: SenderSettings) -> None:
        self._make_store = make_store
        self._settings = settings
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._stopping = False
        self._done = threading.Event()
        self._task = self._loop.create_task(self._run(), name="xo_web-sender")

    def alive(self) -> bool:
        """Whether the task runs on a loop that still runs."""
        return not self._task.done() and not self._loop.is_closed() and self._loop.is_running()

    def on_running_loop(self) -> bool:
        """Whether the caller runs on this task's loop (blocking there would starve it)."""
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def wake(self) -> None:
        """Look for work now; safe from any thread."""
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self._loop.call_soon_threadsafe(self._wake.set)

    def stop(self, timeout: float) -> bool:
        """Stop the task; from the loop's own thread it is cancelled, else awaited up to timeout."""
        self._stopping = True
        if self._task.done() or self._loop.is_closed():
            return True  # a closed loop runs nothing more: the task is as good as stopped
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._task.cancel()
            return True
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._task.cancel)
        return self._done.wait(max(timeout, 0.0))

    async def astop(self, timeout: float) -> bool:
        """Stop the task from its own loop, waiting for it up to `timeout`."""
        self._stopping = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), max(timeout, 0.0))
        return self._task.done()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def _run(self) -> None:
        store = self._make_store()
        courier = Courier(store, self._settings)
        try:
            async with make_async_client(self._settings) as client:
                while not self._stopping:
                    try:
                        claim = await asyncio.to_thread(courier.claim)
                        if claim is None:
                            await self._sleep(await asyncio.to_thread(courier.idle_wait))
                            continue
                        answer = await apost(client, claim.endpoint, claim.bodies)
                        pause = await asyncio.to_thread(courier.settle, claim, answer)
                        pause = pause or courier.linger(claim)
                    except OutboxError as error:
                        log.warning("xo_web sender: %s", error)
                        pause = courier.error_wait()
                    if pause > 0:
                        await asyncio.sleep(pause)
        except asyncio.CancelledError:
            pass
        except Exception:  # pragma: no cover - a bug; logged so the task never dies silently
            log.exception("xo_web sender stopped by an unexpected error")
        finally:
            await asyncio.to_thread(store.close)
            self._done.set()


Sender = ThreadSender | TaskSender

__all__ = ["Sender", "TaskSender", "ThreadSender"]
