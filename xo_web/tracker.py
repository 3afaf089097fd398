"""The public Python API (DESIGN §4): init, the user setters, send, opt-out, over injected ports.

`Tracker` validates every call before it changes anything, keeps the user in a `UserState`,
persists the opt-out, and hands validated wire batches to its `Delivery`, which writes them to
the persisted outbox before sending (xo_web.delivery). It never imports the browser: storage,
HTTP, timers, locks and the page come in as ports (see xo_web.ports, xo_web.locks).
"""

import asyncio
import contextlib
import math
import random as random_module
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from xo_web.backoff import RetryPolicy
from xo_web.delivery import (
    Delivery,
    DeliveryPorts,
    DeliveryStats,
    Dispatcher,
    SendOutcome,
    asyncio_timer,
)
from xo_web.errors import (
    ACTIVITY_FORMAT_MESSAGE,
    ConfigError,
    DeliveryError,
    NotInitializedError,
)
from xo_web.locks import Locks, StorageLease
from xo_web.models import (
    MAX_ACTIVITY_BYTES,
    SESSION_IDENTITY,
    Activity,
    TraitValue,
    check_activity_size,
    parse_activities,
    to_wire,
)
from xo_web.outbox import Outbox, encode_activity
from xo_web.ports import (
    Clock,
    Environment,
    GuardedStorage,
    IdFactory,
    LoggingEnvironment,
    Storage,
    Timer,
    Transport,
    new_uuid,
)
from xo_web.user import UserState, guard_traits

__all__ = ["OPT_OUT_STORAGE_KEY", "REGIONS", "SendOutcome", "Tracker", "endpoint_for"]

OPT_OUT_STORAGE_KEY = "attraqtoptout"
REGIONS = ("eu", "ap1", "ap2", "dev")
MAX_TRACKER_KEY_LENGTH = 256
MAX_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class _Config:
    tracker_key: str
    region: str
    endpoint: str
    timeout_s: float


def endpoint_for(tracker_key: str, region: str = "eu", collect_url: str | None = None) -> str:
    """Return the collector URL for a tracker key; raise ConfigError for bad values."""
    key = _check_tracker_key(tracker_key)
    if not isinstance(region, str) or region not in REGIONS:
        raise ConfigError(f"region must be one of {', '.join(REGIONS)}; got {region!r}")
    if collect_url is not None:
        base = _check_collect_url(collect_url)
    elif region == "dev":
        base = "http://collect-dev.attraqt.io"
    else:
        base = f"https://collect-{region}.attraqt.io"
    return f"{base}/{quote(key, safe='')}"


def _check_tracker_key(tracker_key: object) -> str:
    if not isinstance(tracker_key, str):
        raise ConfigError(f"tracker_key must be a string, not {type(tracker_key).__name__}")
    if not tracker_key or len(tracker_key) > MAX_TRACKER_KEY_LENGTH:
        raise ConfigError(f"tracker_key must be 1 to {MAX_TRACKER_KEY_LENGTH} characters long")
    if not tracker_key.isprintable() or any(ch.isspace() for ch in tracker_key):
        raise ConfigError("tracker_key must not contain spaces or control characters")
    if not tracker_key.isascii():
        raise ConfigError("tracker_key must be ASCII")
    return tracker_key


def _check_collect_url(collect_url: object) -> str:
    if not isinstance(collect_url, str):
        raise ConfigError(f"collect_url must be a string, not {type(collect_url).__name__}")
    if not collect_url.isprintable() or any(ch.isspace() for ch in collect_url):
        raise ConfigError("collect_url must not contain spaces or control characters")
    try:
        parts = urlsplit(collect_url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"collect_url is not a valid URL: {exc}") from None
    del port  # read only so that a bad port is refused
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"collect_url must be an http(s) URL with a host, not {collect_url!r}")
    if parts.username is not None or parts.password is not None:
        raise ConfigError("collect_url must not contain credentials")
    if parts.query or parts.fragment or "?" in collect_url or "#" in collect_url:
        raise ConfigError("collect_url must not have a query or a fragment")
    return collect_url.rstrip("/")


def _check_timeout(timeout_s: object) -> float:
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float):
        raise ConfigError(f"timeout_s must be a number, not {type(timeout_s).__name__}")
    if not math.isfinite(timeout_s) or not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise ConfigError(f"timeout_s must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds")
    return float(timeout_s)


async def _nothing() -> None:
    return None


class Tracker:
    """An XO activity tracker: one tracker key, one user, one delivery channel."""

    def __init__(
        self,
        storage: Storage,
        transport: Transport,
        *,
        environment: Environment | None = None,
        new_id: IdFactory = new_uuid,
        clock: Clock = time.time,
        on_error: Callable[[DeliveryError], None] | None = None,
        random: Callable[[], float] = random_module.random,
        timer: Timer = asyncio_timer,
        locks: Locks | None = None,
        delivery_ids: IdFactory = new_uuid,
    ) -> None:
        self.environment: Environment = environment or LoggingEnvironment()
        self.on_error = on_error
        self.on_init: Callable[[], None] | None = None  # e.g. the browser binds window.xo here
        self._storage = GuardedStorage(storage, self._warn)
        self._transport = transport
        self._clock = clock
        self._config: _Config | None = None
        self._delivery: Delivery | None = None
        self._user = UserState(self._storage, new_id=new_id, may_persist=self._may_persist)
        self._tasks: set[asyncio.Task[SendOutcome | None]] = set()
        self._tab = delivery_ids()
        self._delivery_ports = DeliveryPorts(
            clock=clock,
            random=random,
            timer=timer,
            locks=locks or StorageLease(self._storage, owner=self._tab, clock=clock),
            new_id=delivery_ids,
            report=self._report,
            warn=self._warn,
            may_send=self._may_persist,
            is_online=self._is_online,
            pause_storage=self._storage,
        )
        self._outbox = Outbox(self._storage, policy=RetryPolicy(), warn=self._warn)

    # -- configuration -------------------------------------------------------------------

    def init(
        self,
        tracker_key: str,
        region: str = "eu",
        collect_url: str | None = None,
        *,
        timeout_s: float = 10.0,
        personal_data_guard: bool = True,
        delivery: Mapping[str, object] | RetryPolicy | None = None,
    ) -> None:
        """Configure the tracker; may be called again to change it. Bad values: ConfigError.

        `delivery` tunes the retry outbox (see xo_web.backoff.RetryPolicy for the keys). What
        earlier pages left in the outbox is sent soon after init.
        """
        endpoint = endpoint_for(tracker_key, region, collect_url)
        timeout = _check_timeout(timeout_s)
        if not isinstance(personal_data_guard, bool):
            raise ConfigError("personal_data_guard must be True or False")
        policy = RetryPolicy.from_options(delivery)
        self._config = _Config(tracker_key, region, endpoint, timeout)
        dispatcher = Dispatcher(
            self._transport,
            endpoint=endpoint,
            timeout_s=timeout,
            report=self._report,
            clock=self._clock,
        )
        self._outbox.policy = policy
        self._delivery = Delivery(
            dispatcher,
            self._outbox,
            self._delivery_ports,
            tracker_key=tracker_key,
            tab=self._tab,
            policy=policy,
            previous=self._delivery,
        )
        self._user.personal_data_guard = personal_data_guard
        self._user.persist_session()
        if self._may_persist():
            self._delivery.flush_soon(force=True)  # what earlier pages left, now
        if self.on_init is not None:
            try:
                self.on_init()
            except Exception as exc:
                self._warn(f"xo_web: the on_init hook raised {exc!r}")

    @property
    def is_initialized(self) -> bool:
        """True once init() has succeeded."""
        return self._config is not None

    @property
    def tracker_key(self) -> str | None:
        """The tracker key given to init(), or None before it."""
        return self._config.tracker_key if self._config else None

    @property
    def region(self) -> str | None:
        """The region given to init(), or None before it."""
        return self._config.region if self._config else None

    @property
    def endpoint(self) -> str | None:
        """The collector URL activities are posted to, or None before init()."""
        return self._config.endpoint if self._config else None

    # -- the user ------------------------------------------------------------------------

    @property
    def user(self) -> dict[str, Any]:
        """A copy of the user: {"identities": {...}, "segments": [...], "traits": {...}}."""
        return self._user.snapshot()

    @property
    def session_id(self) -> str:
        """The session id (also `user["identities"]["sessionid"]`)."""
        return self._user.session_id

    def add_user_identity(self, repository: str, identity: str) -> None:
        """Add or replace one identity; the repository name is case-insensitive."""
        self._user.add_identity(repository, identity)

    def set_user_identities(self, identities: Mapping[str, str]) -> None:
        """Replace all identities; the session id stays unless `identities` gives one."""
        self._user.set_identities(identities)

    def add_user_segment(self, segment: str) -> None:
        """Add a segment (no duplicates)."""
        self._user.add_segment(segment)

    def set_user_segments(self, segments: Sequence[str]) -> None:
        """Replace all segments (duplicates dropped)."""
        self._user.set_segments(segments)

    def add_user_trait(self, key: str, value: TraitValue) -> None:
        """Add or replace one trait: a string, a finite number or a boolean."""
        self._user.add_trait(key, value)

    def set_user_traits(self, traits: Mapping[str, TraitValue]) -> None:
        """Replace all traits."""
        self._user.set_traits(traits)

    def set_user(self, user: Mapping[str, object]) -> None:
        """Replace the whole user at once (identities, segments, traits, each optional)."""
        self._user.set_user(user)

    def clear_user(self) -> None:
        """Empty the user and start a new session id (e.g. on logout)."""
        self._user.clear()

    # -- consent -------------------------------------------------------------------------

    @property
    def is_opted_out(self) -> bool:
        """True while the visitor has opted out (persisted across pages)."""
        return self._storage.get(OPT_OUT_STORAGE_KEY) == "true"

    def opt_out(self) -> None:
        """Stop sending, persistently; the stored session id and the delivery queue go too."""
        self._storage.set(OPT_OUT_STORAGE_KEY, "true")
        self._user.forget_stored_session()
        if self._delivery is not None:
            self._delivery.drop_all()
        else:
            self._outbox.clear()

    def opt_in(self) -> None:
        """Undo opt_out(); the session id is stored again."""
        self._storage.remove(OPT_OUT_STORAGE_KEY)
        self._user.persist_session()

    # -- sending -------------------------------------------------------------------------

    def send(self, activities: object) -> Awaitable[SendOutcome | None]:
        """Validate and send one activity or a non-empty list; await the outcome.

        Validation happens at the call (ValidationError, nothing sent). The result resolves
        to None without any request while opted out or when the browser refuses tracking.
        Inside a running event loop the delivery is scheduled at once, so a caller that does
        not await still sends; the returned Task can be awaited for the SendOutcome.
        """
        delivery = self._require_init()
        batch, encoded = self._prepare(activities)
        if self.is_opted_out or self._tracking_refused():
            return self._schedule(_nothing())
        ticket = delivery.enqueue(batch, encoded)  # persisted before anything can lose it
        return self._schedule(delivery.deliver(ticket))

    # -- delivery ------------------------------------------------------------------------

    @property
    def delivery(self) -> Delivery | None:
        """The retry outbox of this page once init() has run (for tests and diagnostics)."""
        return self._delivery

    @property
    def delivery_stats(self) -> DeliveryStats:
        """Counters of the retry outbox for this page (accepted, delivered, dropped...)."""
        return self._delivery.stats if self._delivery is not None else DeliveryStats()

    async def flush(self) -> None:
        """Send what is queued now (ignoring backoff, honouring Retry-After and offline)."""
        if self._delivery is not None:
            await self._delivery.flush(force=True)

    def flush_soon(self) -> None:
        """Schedule a flush from synchronous code: the browser's `online` event calls this."""
        if self._delivery is not None:
            self._delivery.flush_soon(force=True)

    def flush_on_unload(self) -> int:
        """Flush synchronously with keepalive (pagehide / hidden); return the requests made."""
        if self._delivery is None:
            return 0
        try:
            return self._delivery.flush_on_unload()
        except Exception as exc:  # a page-hide handler must never throw
            self._warn(f"xo_web: flushing the queue on page hide failed: {exc!r}")
            return 0

    def prepare(self, activities: object) -> list[dict[str, object]]:
        """Validate activities and return the wire batch with the user attached (no I/O)."""
        return self._prepare(activities)[0]

    def _prepare(self, activities: object) -> tuple[list[dict[str, object]], list[tuple[str, int]]]:
        """Return the wire batch and each activity's JSON text and UTF-8 size (encoded once:
        the size check, the outbox entry and the request body all use that text)."""
        parsed = parse_activities(activities)
        single = not isinstance(activities, list)
        batch: list[dict[str, object]] = []
        encoded: list[tuple[str, int]] = []
        for index, activity in enumerate(parsed):
            prefix = "" if single else f"[{index}]"
            wire = self._with_user(activity, prefix)
            text, size = encode_activity(wire)
            if size > MAX_ACTIVITY_BYTES:
                check_activity_size(wire, field=prefix)  # raises, naming the field
            batch.append(wire)
            encoded.append((text, size))
        return batch, encoded

    def _with_user(self, activity: Activity, prefix: str) -> dict[str, object]:
        wire = to_wire(activity)
        if activity.user is None:
            wire["user"] = self._user.snapshot()
        else:
            own = activity.user
            if self._user.personal_data_guard and own.traits:
                field = f"{prefix}.user.traits" if prefix else "user.traits"
                guard_traits(own.traits, field=field, prefix=ACTIVITY_FORMAT_MESSAGE)
            if SESSION_IDENTITY not in own.identities:
                user_wire = wire["user"]
                assert isinstance(user_wire, dict)
                user_wire["identities"] = {
                    SESSION_IDENTITY: self._user.session_id,
                    **own.identities,
                }
        return wire

    def _schedule(
        self, coroutine: Coroutine[Any, Any, SendOutcome | None]
    ) -> Awaitable[SendOutcome | None]:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if sys.platform != "emscripten":
                return coroutine
            # Pyodide's event loop runs between JS tasks, not "inside" a synchronous call.
            loop = asyncio.get_event_loop()
        task = loop.create_task(coroutine)
        self._tasks.add(task)  # keep a reference until done, or the task may be collected
        task.add_done_callback(self._tasks.discard)
        return task

    def _require_init(self) -> Delivery:
        if self._delivery is None:
            raise NotInitializedError("call init(tracker_key, region) before send()")
        return self._delivery

    # -- ports ---------------------------------------------------------------------------

    def _may_persist(self) -> bool:
        return not self.is_opted_out and not self._tracking_refused()

    def _is_online(self) -> bool:
        check = getattr(self.environment, "is_online", None)
        if check is None:
            return True
        try:
            return bool(check())
        except Exception:
            return True  # when in doubt, try: a failed attempt is queued anyway

    def _tracking_refused(self) -> bool:
        try:
            return bool(self.environment.tracking_refused())
        except Exception:
            return True  # when in doubt, respect the visitor's privacy

    def _warn(self, message: str) -> None:
        with contextlib.suppress(Exception):  # a broken console must not break the page
            self.environment.warn(message)

    def _report(self, error: DeliveryError) -> None:
        try:
            self.environment.report(error)
        except Exception as exc:
            self._warn(f"xo_web: reporting a delivery error failed: {exc!r}")
        if self.on_error is not None:
            try:
                self.on_error(error)
            except Exception as exc:
                self._warn(f"xo_web: the on_error callback raised {exc!r}")
