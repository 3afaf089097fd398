"""The server-side Tracker: validate, record durably, deliver in the background.

`send` returns once the activity is committed to the outbox (or raises OutboxError: it was not
kept); a sender started on first use — a thread, or an asyncio task for `asend` callers on a
running loop — delivers it. After a fork the child abandons the parent's connections and sender
and starts its own on its first send or flush. At interpreter exit every tracker flushes for
half of `settings.exit_timeout_s` and then stops; what is undelivered stays in the outbox.
"""

import asyncio
import atexit
import contextlib
import os
import threading
import time
import weakref

from xo_web.core.config import make_config
from xo_web.server.dsn import PostgresTarget, SqliteTarget, Target, parse_outbox
from xo_web.server.errors import OutboxError
from xo_web.server.postgres_store import PostgresStore
from xo_web.server.prepare import prepare_server_batch
from xo_web.server.sender import Sender, TaskSender, ThreadSender
from xo_web.server.settings import SenderSettings
from xo_web.server.sqlite_store import SqliteStore
from xo_web.server.store import SqlStore, Status
from xo_web.server.transaction import insert_in_transaction

_TRACKERS: "weakref.WeakSet[Tracker]" = weakref.WeakSet()
FLUSH_POLL_S = (0.005, 0.1)  # flush polls the outbox from 5 ms, doubling up to 100 ms


def make_store(target: Target, *, sender: bool = False) -> SqlStore:
    """Return a store (one connection, made on first use) for the outbox `target`; a
    sender's store does not wait for each of its commits to reach the disk (see SqliteStore,
    PostgresStore: no activity can be lost that way)."""
    if isinstance(target, PostgresTarget):
        return PostgresStore(target, sender=sender)
    assert isinstance(target, SqliteTarget)
    return SqliteStore(target, sender=sender)


class Tracker:
    """Sends activities from a server, through a durable outbox (SQLite or PostgreSQL)."""

    def __init__(
        self,
        tracker_key: str,
        region: str = "eu",
        collect_url: str | None = None,
        outbox: str | None = None,
        *,
        settings: SenderSettings | None = None,
        start_sender: bool = True,
        personal_data_guard: bool = True,
    ) -> None:
        self.config = make_config(tracker_key, region, collect_url)
        self.target = parse_outbox(outbox)
        self.settings = settings or SenderSettings()
        self.start_sender = start_sender
        self.personal_data_guard = personal_data_guard
        self._store = make_store(self.target)
        self._schema_ready = False
        self._sender: Sender | None = None
        self._lock = threading.Lock()
        self._closed = False
        _TRACKERS.add(self)

    @property
    def endpoint(self) -> str:
        """The collector URL activities of this tracker go to."""
        return self.config.endpoint

    def send(self, activities: object, user: object = None, connection: object = None) -> None:
        """Validate and durably record; return once committed (or written in `connection`).

        Raises ValidationError for bad input (nothing recorded) and OutboxError when the
        outbox could not record it.
        """
        texts = self._prepare(activities, user)
        self._record(texts, connection)
        self._kick(prefer_task=False)

    async def asend(
        self, activities: object, user: object = None, connection: object = None
    ) -> None:
        """`send` for asyncio code: the commit runs in a worker thread; the sender is a task."""
        texts = self._prepare(activities, user)
        if connection is None:
            await asyncio.to_thread(self._record, texts, None)
        else:  # the caller's connection belongs to this thread: no commit happens here
            self._record(texts, connection)
        self._kick(prefer_task=True)

    def flush(self, timeout: float = 10.0) -> bool:
        """Deliver what is pending; return True when nothing is left, False at the timeout
        (also while the outbox cannot be read: nothing is known to be delivered then).

        Blocking: on the event loop a task sender runs on, use `await aflush()` instead
        (RuntimeError), since the task could not run while flush waits.
        """
        sender = self._sender
        if isinstance(sender, TaskSender) and sender.alive() and sender.on_running_loop():
            raise RuntimeError("flush() would block the loop the sender runs on: await aflush()")
        deadline = time.monotonic() + max(timeout, 0.0)
        self._kick(prefer_task=False)
        wait = FLUSH_POLL_S[0]
        while True:
            sender = self._sender
            idle = sender.idle if isinstance(sender, ThreadSender) else threading.Event()
            idle.clear()  # before looking: the sender going idle after the look ends the wait
            if self._empty():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            idle.wait(min(wait, left))
            wait = min(wait * 2, FLUSH_POLL_S[1])

    async def aflush(self, timeout: float = 10.0) -> bool:
        """`flush` for asyncio code (the task sender keeps running on this loop)."""
        deadline = time.monotonic() + max(timeout, 0.0)
        self._kick(prefer_task=True)
        wait = FLUSH_POLL_S[0]
        while not await asyncio.to_thread(self._empty):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await asyncio.sleep(min(wait, left))
            wait = min(wait * 2, FLUSH_POLL_S[1])
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stop the sender within `timeout` seconds; undelivered activities stay in the outbox."""
        with self._lock:
            self._closed = True
            sender, self._sender = self._sender, None
        if sender is not None:
            sender.stop(timeout)
        self._store.close()

    async def aclose(self, timeout: float = 10.0) -> None:
        """`close` for asyncio code: waits for a task sender on this loop up to `timeout`."""
        with self._lock:
            self._closed = True
            sender, self._sender = self._sender, None
        if isinstance(sender, TaskSender):
            await sender.astop(timeout)
        elif sender is not None:
            await asyncio.to_thread(sender.stop, timeout)
        await asyncio.to_thread(self._store.close)

    def status(self) -> Status:
        """What the outbox holds now (all trackers and processes sharing it)."""
        self._ready()
        return self._store.status(time.time())

    # -- internals ------------------------------------------------------------------------------
    def _empty(self) -> bool:
        """Whether the outbox holds nothing pending (False while it cannot be read)."""
        try:
            return self.status().pending == 0
        except OutboxError:
            return False

    def _prepare(self, activities: object, user: object) -> list[str]:
        return prepare_server_batch(activities, user, personal_data_guard=self.personal_data_guard)

    def _ready(self) -> None:
        if not self._schema_ready:
            self._store.ensure_schema()
            self._schema_ready = True

    def _record(self, texts: list[str], connection: object) -> None:
        if connection is None:
            self._ready()
            self._store.insert(self.endpoint, texts, time.time())
            return
        schema: list[str] = []
        if not self._schema_ready:
            self._schema_ready = self._store.has_schema()
            schema = [] if self._schema_ready else self._store.schema()
        insert_in_transaction(connection, self.target, self.endpoint, texts, time.time(), schema)

    def _kick(self, *, prefer_task: bool) -> None:
        """Start the sender if it is not running (and allowed), then wake it."""
        if not self.start_sender:
            return
        with self._lock:
            if self._closed:
                return
            sender = self._sender
            if sender is None or not sender.alive():
                sender = self._sender = self._new_sender(prefer_task)
        sender.wake()

    def _new_sender(self, prefer_task: bool) -> Sender:
        target = self.target
        if prefer_task:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                return TaskSender(lambda: make_store(target, sender=True), self.settings)
        sender = ThreadSender(lambda: make_store(target, sender=True), self.settings)
        sender.start()
        return sender

    def _after_fork(self) -> None:
        """In a forked child: forget the parent's sender and connection (never closed here)."""
        self._lock = threading.Lock()
        self._sender = None
        self._store.forget_after_fork()

    def _at_exit(self) -> None:
        if self._closed:
            return
        half = self.settings.exit_timeout_s / 2
        if self._sender is not None and isinstance(self._sender, ThreadSender):
            self.flush(half)
        self.close(half)


def _after_fork_in_child() -> None:
    for tracker in list(_TRACKERS):
        tracker._after_fork()


def _at_exit() -> None:
    for tracker in list(_TRACKERS):
        with contextlib.suppress(Exception):  # exit must go on
            tracker._at_exit()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)

__all__ = ["Tracker", "make_store"]
