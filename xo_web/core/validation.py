"""The full validator (pydantic) as a port, and the calls held, in order, until it is there.

The fast paths (xo_web.wire.fast, xo_web.wire.fast_user) take the common shapes without
pydantic; anything else, and every error, needs the full validator. In the browser its wheels
are loaded on first need (docs/performance.md): a call that needs it before it is there raises
`FullValidationNeeded` inside the SDK, and `HeldCalls` keeps that call and every later send and
user setter, in order, loads the validator once (`FullValidation.load`), then runs each as it
would have run, with the user as it would have been at its own turn. Each held call answers
through its own Future: the send's outcome, None for a setter, or its error (a
ValidationError naming the field) — also warned on the console, so no error is silent. Under
CPython the port is always ready (`AlwaysReady`) and nothing is ever held.

At page hide the held calls (JSON-able ones) are written under ``attraqtpending:<id>`` for the
next page to replay (xo_web.facade.replay), as xo.js keeps the calls made before ready; a page
that comes back takes its key back, unless another page has replayed those calls already (its
held sends then settle with None; its setters still run).
"""

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from xo_web.core.keys import PENDING_CALLS_PREFIX
from xo_web.core.loop import schedulable_loop
from xo_web.core.ports import IdFactory, Storage
from xo_web.errors import XoError

REPLAY_NAME = "__replay"  # a held replay of a gone page's calls (xo_web.facade.replay)

__all__ = [
    "AlwaysReady",
    "FullValidation",
    "FullValidationNeeded",
    "HeldCalls",
    "ValidatorUnavailableError",
]


class FullValidation(Protocol):
    """Where the full validator comes from: ready now, or loaded once on first need."""

    def ready(self) -> bool:
        """Return True when the full validator can run now (its modules are importable)."""
        ...

    def load(self) -> Awaitable[None]:
        """Make it ready (in the browser: load pydantic's wheels); raise if that fails."""
        ...


class AlwaysReady:
    """The full validator is always there (CPython, or a page that loaded pydantic)."""

    def ready(self) -> bool:
        """Always True."""
        return True

    async def load(self) -> None:
        """Nothing to load."""


class FullValidationNeeded(Exception):
    """A call needs the full validator before it is ready; the SDK holds the call."""


class ValidatorUnavailableError(XoError, RuntimeError):
    """The full validator could not be loaded, so a held call could not be checked."""


@dataclass
class _Held:
    run: Callable[[], object]
    name: str  # the JS name, for a record the next page replays
    args: tuple[object, ...]
    future: "asyncio.Future[Any]"
    after_run: list[Callable[[], None]] = field(default_factory=list)


class HeldCalls:
    """The calls waiting for the full validator, in order (see the module doc)."""

    def __init__(
        self,
        validation: FullValidation,
        *,
        warn: Callable[[str], None],
        new_id: IdFactory,
        loaded: Callable[[], None] = lambda: None,
    ) -> None:
        self.validation = validation
        self._warn = warn
        self._new_id = new_id
        self._loaded = loaded  # after a load (the Tracker flushes the outbox entries it needed)
        self._queue: deque[_Held] = deque()
        self._draining: asyncio.Task[None] | None = None
        self._loading: asyncio.Task[None] | None = None
        self._running = False  # a held call is running: a call it makes runs at once
        self._kept: tuple[Storage, str] | None = None  # where the held calls were kept at hide

    @property
    def active(self) -> bool:
        """True while calls are held: every later send and setter waits behind them."""
        return bool(self._queue)

    def call(self, run: Callable[..., Any], name: str, *args: object) -> Any:
        """Run ``run(*args)`` now and return its result, or hold it (behind the held calls,
        or because it needs the full validator) and return a Future of its result."""
        if not self._queue or self._running:
            try:
                return run(*args)
            except FullValidationNeeded:
                pass
        return self._hold(lambda: run(*args), name, args)

    def _hold(self, run: Callable[[], object], name: str, args: tuple[object, ...]) -> Any:
        loop = schedulable_loop()
        if loop is None:
            raise ValidatorUnavailableError(
                "xo_web: this call needs the full validator, which loads in an event loop"
            )
        self._queue.append(_Held(run, name, args, loop.create_future()))
        if self._draining is None:
            self._draining = loop.create_task(self._drain())
        return self._queue[-1].future

    def load_soon(self) -> None:
        """Load the full validator in the background (stored outbox entries need it); the
        `loaded` callback runs once it is there. Nothing is held meanwhile."""
        loop = schedulable_loop()
        if loop is not None and not self.validation.ready():
            loop.create_task(self._load_quietly())

    async def _load_quietly(self) -> None:
        try:
            await self._load()
        except Exception as exc:
            self._warn(f"xo_web: the validator did not load: {exc!r}")

    def _load(self) -> "asyncio.Task[None]":
        """The one load in progress, or a new one (after a failure, the next need tries again)."""
        if self._loading is None or (self._loading.done() and self._loading.exception()):
            self._loading = asyncio.get_running_loop().create_task(self._load_once())
        return self._loading

    async def _load_once(self) -> None:
        await self.validation.load()
        self._loaded()

    async def _drain(self) -> None:
        try:
            await self._load()
            failure: Exception | None = None
        except Exception as exc:
            failure = ValidatorUnavailableError(f"xo_web: the validator did not load: {exc!r}")
        replayed = self._take_back()
        while self._queue:
            held = self._queue.popleft()
            if failure is not None:
                self._settle(held, None, failure)
            elif replayed and held.name in ("send", REPLAY_NAME):
                self._settle(held, None, None)  # another page has sent it
            else:
                self._run(held)
            for callback in held.after_run:
                callback()
        self._draining = None

    def when_run(self, future: object, callback: Callable[[], None]) -> bool:
        """Call ``callback`` once the held call whose Future is ``future`` has run (or been
        settled without running); False (nothing registered) when no such call is held."""
        for held in self._queue:
            if held.future is future:
                held.after_run.append(callback)
                return True
        return False

    def _run(self, held: _Held) -> None:
        self._running = True
        try:
            result = held.run()
        except FullValidationNeeded:
            self._settle(held, None, ValidatorUnavailableError("xo_web: no validator"))
            return
        except Exception as exc:
            self._settle(held, None, exc)
            return
        finally:
            self._running = False
        if isinstance(result, Awaitable):
            outcome = asyncio.ensure_future(result)
            outcome.add_done_callback(lambda done: self._copy(done, held.future))
        else:
            self._settle(held, result, None)

    def _settle(self, held: _Held, result: object, error: Exception | None) -> None:
        if held.future.done():
            return
        if error is None:
            held.future.set_result(result)
            return
        self._warn(f"xo_web: a held {held.name} was refused: {error}")
        held.future.set_exception(error)

    @staticmethod
    def _copy(done: "asyncio.Future[Any]", future: "asyncio.Future[Any]") -> None:
        if future.done():
            return
        if done.cancelled():
            future.cancel()
        elif done.exception() is not None:
            future.set_exception(done.exception())  # type: ignore[arg-type]
        else:
            future.set_result(done.result())

    def keep_for_later(self, storage: Storage, user: dict[str, object]) -> int:
        """At page hide: write the held calls as a record the next page replays; return
        how many records were kept (a call whose arguments are not JSON stays in memory only)."""
        calls: list[list[object]] = []
        records: list[object] = []  # records of gone pages whose replay was held
        for held in self._queue:
            if held.name == REPLAY_NAME:
                records.extend(held.args[1:])
                continue
            try:
                json.dumps([held.name, *held.args], allow_nan=False)
            except (TypeError, ValueError):
                self._warn(f"xo_web: a held {held.name} cannot be kept for the next page")
                continue
            calls.append([held.name, *held.args])
        if calls:
            records.append({"user": user, "calls": calls, "tries": 0})
        if not records:
            return 0
        key = self._kept[1] if self._kept else f"{PENDING_CALLS_PREFIX}{self._new_id()}"
        try:
            storage.set(key, json.dumps(records, allow_nan=False))
        except Exception as exc:
            self._warn(f"xo_web: the held calls could not be kept for the next page: {exc!r}")
            return 0
        self._kept = (storage, key)
        return len(records)

    def _take_back(self) -> bool:
        """Remove the record kept at hide; True when another page took it already."""
        if self._kept is None:
            return False
        (storage, key), self._kept = self._kept, None
        try:
            if storage.get(key) is None:
                return True
            storage.remove(key)
        except Exception as exc:
            self._warn(f"xo_web: the held calls kept for the next page are unclear: {exc!r}")
        return False
