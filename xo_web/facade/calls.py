"""The JavaScript face of a Tracker: calls by JS name, JS-style arguments, answers for JS.

Pure Python (tested under CPython): ``browser.py`` converts JS values to Python before calling
``Facade.call`` and turns the ``Answer`` back into what page code sees — a value, a Promise, or
a thrown ``TypeError`` with the same message. The names come from ``xo_web.names``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

from xo_web.errors import ConfigError, NotInitializedError, ValidationError, XoError
from xo_web.facade.names import ACTIVITY_METHODS, MethodName
from xo_web.facade.replay import REPLAY_NAME, replay
from xo_web.tracker import Tracker

_METHODS: dict[str, MethodName] = {m.js: m for m in ACTIVITY_METHODS}
_INIT_KEYS = {
    "trackerKey": "tracker_key",
    "region": "region",
    "collectUrl": "collect_url",
    "timeoutS": "timeout_s",
    "personalDataGuard": "personal_data_guard",
    "delivery": "delivery",
    "consent": "consent",
    "consentBuffer": "consent_buffer",
    "sessionCookie": "session_cookie",
}


@dataclass(frozen=True)
class Answer:
    """What a JS call gets: a value, an awaitable to turn into a Promise, or an error to throw."""

    ok: bool
    value: object = None
    awaitable: Awaitable[object] | None = None
    kind: str = ""
    message: str = ""


def init_arguments(args: list[object]) -> dict[str, Any]:
    """Map ``init({trackerKey, region, collectUrl, timeoutS, personalDataGuard, delivery})``,
    ``xo.init({activity: {...}})`` or
    ``init("KEY", "eu")`` onto the keyword arguments of ``Tracker.init``."""
    if args and isinstance(args[0], str):
        names = ("tracker_key", "region", "collect_url")
        return {name: value for name, value in zip(names, args, strict=False) if value is not None}
    config = args[0] if args else None
    if isinstance(config, Mapping) and isinstance(config.get("activity"), Mapping):
        config = config["activity"]
    if not isinstance(config, Mapping):
        raise ConfigError("init() takes {trackerKey, region, collectUrl} or a tracker key string")
    unknown = sorted(set(config) - set(_INIT_KEYS))
    if unknown:
        raise ConfigError(f"init() does not know the option(s) {', '.join(map(str, unknown))}")
    return {_INIT_KEYS[k]: v for k, v in config.items() if v is not None}


def _outcome_to_js(outcome: object) -> object:
    if outcome is None:
        return None
    if dataclasses.is_dataclass(outcome) and not isinstance(outcome, type):
        return dataclasses.asdict(outcome)
    return outcome


async def _as_js_outcome(awaitable: Awaitable[object]) -> object:
    return _outcome_to_js(await awaitable)


class JsOutcome:
    """What a send resolves to, as page JS sees it (a plain dict, or None).

    Await it, or — when the send returned a Future, as it does inside an event loop — watch it
    with `when_done`, which needs no task of its own (the browser adapter resolves a JS Promise
    from there).
    """

    def __init__(self, outcome: Awaitable[object]) -> None:
        self._outcome = outcome

    def __await__(self) -> Generator[Any, None, object]:
        return _as_js_outcome(self._outcome).__await__()

    @property
    def inner(self) -> Awaitable[object]:
        """The awaitable of the Python call (a held call's Future: xo_web.core.validation)."""
        return self._outcome

    @property
    def watchable(self) -> bool:
        """True when `when_done` can watch the outcome (else await this object)."""
        return isinstance(self._outcome, asyncio.Future)

    def when_done(
        self, resolve: Callable[[object], object], reject: Callable[[BaseException], object]
    ) -> None:
        """Call `resolve(value)` or `reject(error)` once the outcome is known (`watchable`
        only); a cancelled send calls neither, as an awaited one would never return."""
        outcome = self._outcome
        assert isinstance(outcome, asyncio.Future)

        def done(future: asyncio.Future[object]) -> None:
            if future.cancelled():
                return
            error = future.exception()
            if error is not None:
                reject(error)
            else:
                resolve(_outcome_to_js(future.result()))

        outcome.add_done_callback(done)


class Facade:
    """Calls a Tracker's snake_case API by the JS SDK's camelCase names."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def call(self, js_name: str, args: list[object]) -> Answer:
        """Run ``xo.activity[js_name](...args)``; never raises."""
        if js_name == REPLAY_NAME:
            return self._replay(args)
        method = _METHODS.get(js_name)
        if method is None:
            return Answer(False, kind="TypeError", message=f"xo.activity.{js_name} is unknown")
        try:
            return self._call(method, args)
        except ValidationError as error:
            return Answer(False, kind="TypeError", message=str(error))
        except (ConfigError, TypeError, ValueError) as error:
            return Answer(False, kind="TypeError", message=str(error))
        except NotInitializedError as error:
            return Answer(False, kind="Error", message=str(error))
        except XoError as error:
            return Answer(False, kind="Error", message=str(error))

    def _replay(self, args: list[object]) -> Answer:
        """Replay the calls a gone page left (``xo_web.facade.replay``)."""
        try:
            result = replay(self.tracker, args[0] if args else None)
            if isinstance(result, asyncio.Future):  # held for the full validator
                return Answer(True, awaitable=JsOutcome(result))
            return Answer(True, value=result)
        except NotInitializedError as error:
            return Answer(False, kind="Error", message=str(error))
        except TypeError as error:
            return Answer(False, kind="TypeError", message=str(error))

    def _call(self, method: MethodName, args: list[object]) -> Answer:
        if method.kind == "getter":
            return Answer(True, value=getattr(self.tracker, method.py))
        if method.py == "init":
            self.tracker.init(**init_arguments(args))
            return Answer(True)
        result = getattr(self.tracker, method.py)(*args)
        if method.kind == "send" or result is not None:  # a setter held: its Promise
            return Answer(True, awaitable=JsOutcome(result))
        return Answer(True, value=None)
