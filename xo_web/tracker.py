"""The Tracker: the public Python API (init, the user, consent, send) over ports.

`Tracker` validates every call before it changes anything, keeps the user in a `UserState`,
the consent signals in `Consent` (docs/privacy.md; what is held while pending, released on a grant,
dropped on a refusal is in `PendingSends`), and hands validated wire batches to its `Delivery`,
which writes them to the persisted outbox before sending; a call that needs the full validator
before it is loaded waits in `HeldCalls`, later calls behind it. It never imports the browser:
storage, HTTP, timers, locks and the page come in as ports (xo_web.core.ports).
"""

import asyncio
import random as random_module
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from xo_web.core.config import DEFAULT_TIMEOUT_S, ConfiguredApi, TrackerConfig, make_config
from xo_web.core.consent import DENIED, GRANTED, NOT_REQUIRED, REQUIRED, Consent, check_mode
from xo_web.core.cookie import set_session_cookie
from xo_web.core.defaults import LoggingEnvironment, new_uuid
from xo_web.core.loop import asyncio_timer, nothing, schedulable_loop
from xo_web.core.page import SafePage
from xo_web.core.ports import (
    Clock,
    Environment,
    IdFactory,
    Locks,
    Random,
    Storage,
    Timer,
    Transport,
)
from xo_web.core.storage import GuardedStorage
from xo_web.core.user import UserApi, UserState
from xo_web.core.validation import AlwaysReady, FullValidation, HeldCalls
from xo_web.delivery.dispatch import Dispatcher
from xo_web.delivery.engine import Delivery
from xo_web.delivery.locks import StorageLease
from xo_web.delivery.outbox import Outbox
from xo_web.delivery.outcome import SendOutcome
from xo_web.delivery.pending import DEFAULT_LIMIT, PendingSends, check_limit
from xo_web.delivery.prepare import prepare_batch
from xo_web.delivery.retry import RetryPolicy
from xo_web.delivery.state import DeliveryPorts, DeliveryStats
from xo_web.errors import ConfigError, ConsentError, DeliveryError, NotInitializedError

if TYPE_CHECKING:
    from xo_web.types import Activity

__all__ = ["SendOutcome", "Tracker"]


class Tracker(ConfiguredApi, UserApi):
    """An XO activity tracker: one tracker key, one user, one delivery channel.

    In a page use `xo_web.activity`, the tracker wired to the browser. Build one yourself with
    the ports you need, e.g. the fakes of `xo_web.testing` under CPython: `storage` and
    `transport` are required, the rest have defaults (time, random, asyncio timers, ids).
    """

    def __init__(
        self,
        storage: Storage,
        transport: Transport,
        *,
        environment: Environment | None = None,
        new_id: IdFactory | None = None,
        clock: Clock | None = None,
        on_error: Callable[[DeliveryError], None] | None = None,
        random: Random | None = None,
        timer: Timer | None = None,
        locks: Locks | None = None,
        delivery_ids: IdFactory | None = None,
        full_validation: FullValidation | None = None,
    ) -> None:
        clock, delivery_ids = clock or time.time, delivery_ids or new_uuid
        self._page = SafePage(environment or LoggingEnvironment(), on_error)
        self._warn = self._page.warn
        self._report = self._page.report
        self._on_init: Callable[[], None] | None = None  # e.g. the browser binds window.xo here
        self._storage = GuardedStorage(storage, self._warn)
        self._transport = transport
        self._clock = clock
        self._config: TrackerConfig | None = None
        self._consent = Consent(self._storage, self._report)
        self._pending = PendingSends()
        self._state: str | None = None  # the consent state last acted upon (after init)
        self._on_consent: Callable[[str], None] | None = None  # told each new consent state
        self._delivery: Delivery | None = None
        validation = full_validation or AlwaysReady()  # the browser: pydantic on first need
        self._held = HeldCalls(
            validation, warn=self._warn, new_id=delivery_ids, loaded=self._flush_soon
        )
        self._user = UserState(
            self._storage, new_id=new_id or new_uuid, may_persist=self._may_persist
        )
        self._user.full_ready = validation.ready
        self._tasks: set[asyncio.Task[SendOutcome | None]] = set()
        self._delivering: str | None = None  # the entry whose first send started a delivery
        self._tab_id = delivery_ids()  # this page's outbox entries carry it
        self._delivery_ports = DeliveryPorts(
            clock=clock,
            random=random or random_module.random,
            timer=timer or asyncio_timer,
            locks=locks or StorageLease(self._storage, owner=self._tab_id, clock=clock),
            new_id=delivery_ids,
            report=self._report,
            warn=self._warn,
            may_send=self._may_persist,
            is_online=self._page.is_online,
            storage=self._storage,
        )
        self._outbox = Outbox(self._storage, policy=RetryPolicy(), warn=self._warn, held=self._held)

    def init(
        self,
        tracker_key: str,
        region: str = "eu",
        collect_url: str | None = None,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        personal_data_guard: bool = True,
        delivery: Mapping[str, object] | RetryPolicy | None = None,
        consent: str = NOT_REQUIRED,
        consent_buffer: int = DEFAULT_LIMIT,
        session_cookie: bool = False,
    ) -> None:
        """Configure the tracker (again, to change it); bad values raise ConfigError. `delivery`
        tunes the outbox (RetryPolicy's keys); what earlier pages left is sent soon after.
        `consent="required"`: nothing stored or sent before a grant; up to `consent_buffer`
        activities sent meanwhile are held in memory (docs/privacy.md)."""
        config = make_config(tracker_key, region, collect_url, timeout_s)
        if not isinstance(personal_data_guard, bool):
            raise ConfigError("personal_data_guard must be True or False")
        policy = RetryPolicy.from_options(delivery)
        self._consent.mode, self._pending.limit = check_mode(consent), check_limit(consent_buffer)
        set_session_cookie(self._storage.inner, session_cookie, self._warn)  # the session-id cookie
        self._config = config
        dispatcher = Dispatcher(
            self._transport, endpoint=config.endpoint, timeout_s=config.timeout_s
        )
        self._outbox.policy = policy
        self._delivery = Delivery(
            dispatcher,
            self._outbox,
            self._delivery_ports,
            tracker_key=tracker_key,
            tab=self._tab_id,
            policy=policy,
            previous=self._delivery,
        )
        self._user.personal_data_guard = personal_data_guard
        if personal_data_guard:
            for field in self._user.drop_personal_data():
                self._warn(f"xo_web: removed {field}, set while the personal-data guard was off")
        self._state = None
        self._consent_changed()  # granted: the session id is stored, earlier pages' queue sent
        if self._on_init is not None:
            try:
                self._on_init()
            except Exception as exc:
                self._warn(f"xo_web: the on_init hook raised {exc!r}")

    @property
    def on_error(self) -> Callable[[DeliveryError], None] | None:
        """Called with each DeliveryError (and ConsentError); settable."""
        return self._page.on_error

    @on_error.setter
    def on_error(self, callback: Callable[[DeliveryError], None] | None) -> None:
        self._page.on_error = callback

    @property
    def consent(self) -> str:
        """ "pending", "granted" or "denied": may this tracker store and send now."""
        return self._consent.state(refused=self._page.tracking_refused())

    def _set_page_consent(self, verdict: str) -> None:
        """Take the verdict of the consent platforms on the page ("none", "pending",
        "unanswered", "granted", "denied"), as xo.js reports it."""
        self._consent.set_page(verdict)
        self._consent_changed()

    @property
    def is_opted_out(self) -> bool:
        """True while the visitor has opted out (persisted across pages)."""
        return self._consent.opted_out

    def opt_out(self) -> None:
        """Stop sending, persistently; the stored session id and the delivery queue go too
        (*before* the flag is written, so a full storage still takes it). If it cannot be saved,
        the opt-out holds for this page and a ConsentError is reported (on_error, `xo:error`)."""
        self._consent.opt_out(self._forget_stored_data)
        self._consent_changed()

    def opt_in(self) -> None:
        """Undo opt_out(); grant consent (remembered in the opt-in mode): the session id is
        stored again, and what was held while pending is sent."""
        self._consent.opt_in()
        self._consent_changed()
        self._user.persist_session()

    def _consent_changed(self) -> None:
        """Act on a new consent state: a grant stores the session id, releases the held sends
        once, in order, and flushes; a refusal drops them; a withdrawal (a refusal after a
        grant) also removes the stored session id and the outbox (the opt-in mode: and
        starts a new session for a later grant)."""
        state, before = self.consent, self._state
        if self._delivery is None or state == before:
            return
        self._state = state
        if state == GRANTED:
            self._user.persist_session()
            self._pending.release(self._deliver)
            self._delivery.flush_soon(force=True)  # what earlier pages left, now
        elif state == DENIED:
            self._pending.drop()
            if before == GRANTED:
                self._forget_stored_data()
                self._consent.forget_grant()
                if self._consent.mode == REQUIRED:
                    self._user.restart_session()
        if self._on_consent is not None:
            self._on_consent(state)

    def _forget_stored_data(self) -> None:
        self._user.forget_stored_session()
        if self._delivery is not None:
            self._delivery.drop_all()
        else:
            self._outbox.clear()

    def send(
        self, activities: "Activity | Sequence[Activity] | Mapping[str, Any] | Sequence[Any]"
    ) -> Awaitable[SendOutcome | None]:
        """Send one activity, or a list of 1 to 100, with the user attached.

        An activity is a dict: `{"action": "add-to-cart", "target": {"product": "SKU-1"},
        "metadata": {"price": 1999, "quantity": 1, "currency": "EUR"}}`. `action` and `target`
        (names to strings) are required; `metadata` (`price`, `quantity`, `currency`,
        `orderId`, `market`, keys of your own), `sourceId`, `opposite`, `segments` and
        `timestamp` are optional (`xo_web.types`). Bad input raises ValidationError here and
        nothing is sent. Returns an awaitable of the SendOutcome, or of None (no request)
        while opted out or when the browser refuses tracking. In a running event loop (a
        page) delivery starts at once, awaited or not."""
        self._require_init()
        return self._held.call(self._send_now, "send", activities)  # type: ignore[no-any-return]

    def _send_now(self, activities: object) -> Awaitable[SendOutcome | None]:
        batch, encoded = prepare_batch(activities, self._user, self._held.validation.ready)
        state = self.consent
        if state == GRANTED:
            return self._deliver(batch, encoded)
        held = self._pending.hold(batch, encoded) if state != DENIED else None
        if held is not None:
            return self._schedule(held.outcome())
        if state != DENIED:
            self._report(ConsentError(self._pending.overflow(len(batch))))
        return self._schedule(nothing())

    def _deliver(
        self, batch: list[dict[str, object]], encoded: Any
    ) -> Awaitable[SendOutcome | None]:
        delivery = self._require_init()
        ticket = delivery.enqueue(batch, encoded)  # persisted before anything can lose it
        if ticket.waiter is not None and ticket.entry_id == self._delivering:
            return ticket.waiter  # appended to an entry whose first send started its delivery
        self._delivering = ticket.entry_id
        started = self._schedule(delivery.deliver(ticket))
        return ticket.waiter or started

    @property
    def delivery_stats(self) -> DeliveryStats:
        """Counters of the retry outbox for this page (accepted, delivered, dropped...)."""
        return self._delivery.stats if self._delivery is not None else DeliveryStats()

    async def idle(self) -> None:
        """Wait until no flush and no page-hide request of this tracker is running."""
        if self._delivery is not None:
            await self._delivery.idle()

    def close(self) -> None:
        """Stop this tracker's timers and running work, as when its page dies (no flush)."""
        if self._delivery is not None:
            self._delivery.stop()

    async def flush(self) -> None:
        """Send what is queued now (ignoring backoff, honouring Retry-After and offline)."""
        if self._delivery is not None:
            await self._delivery.flush(force=True)

    def _flush_soon(self) -> None:
        """Schedule a flush from synchronous code: the browser's `online` event calls this."""
        if self._delivery is not None:
            self._delivery.flush_soon(force=True)

    def _healthy_until(self) -> float:
        """Until when a page-hide flush may hand off never-failed entries, or 0."""
        return self._delivery.healthy_until() if self._delivery is not None else 0.0

    def _flush_on_unload(self) -> int:
        """Flush synchronously with keepalive (pagehide / hidden); return the requests made."""
        if self._held.active and self._may_persist():
            self._held.keep_for_later(self._storage, self._user.snapshot())
        if self._delivery is None:
            return 0
        try:
            return self._delivery.flush_on_unload()
        except Exception as exc:  # a page-hide handler must never throw
            self._warn(f"xo_web: flushing the queue on page hide failed: {exc!r}")
            return 0

    def _schedule(self, coroutine: Coroutine[Any, Any, Any]) -> Awaitable[SendOutcome | None]:
        loop = schedulable_loop()
        if loop is None:
            return coroutine  # plain CPython outside a loop: the caller awaits it
        task = loop.create_task(coroutine)
        self._tasks.add(task)  # keep a reference until done, or the task may be collected
        task.add_done_callback(self._tasks.discard)
        return task

    def _require_init(self) -> Delivery:
        if self._delivery is None:
            raise NotInitializedError("call init(tracker_key, region) before send()")
        return self._delivery

    def _may_persist(self) -> bool:
        return self.consent == GRANTED
