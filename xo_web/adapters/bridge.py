"""The worker's side of the page bridge, in pure Python: a storage mirror and the call protocol.

A worker has no localStorage, and without cross-origin isolation it cannot reach ``window``
synchronously, so the page (``xo.js``) owns storage and talks to the worker by messages over a
``MessagePort``. This module holds everything about that conversation that needs no browser
(``xo_web.adapters.worker`` binds it to ``js``), so CPython tests can check it.

Messages are plain objects ``{"xo": <kind>, ...}``.

page → worker
    ``attach`` {snapshot, refused, online, consent}: the page's ``attraqt*`` keys, DNT/GPC,
    onLine, the consent platforms' verdict; ``consent`` {verdict}: that verdict changed;
    ``call`` {id, name, args}: a page-JS call of ``xo.activity`` (JS name);
    ``changed`` {key, value, seq}: ``key`` now holds ``value`` (None: removed) in the page's
    localStorage, read after the page applied the worker's writes up to ``seq`` (another tab
    wrote it, or the page's own page-hide flush did); ``reset`` {snapshot, seq}: the same for
    every key (another tab cleared localStorage); ``online`` {online}; ``failed``
    {key, message}: the page could not apply a write; ``synced`` {id, seq, snapshot}: the
    answer to ``sync`` (``xo_web.adapters.synced``).

worker → page
    ``hello`` (with the port, PyScript workers only); ``set`` {key, value, seq} (value None:
    remove); ``cookie`` {name, value}: write the session cookie (value None: delete it);
    ``sync`` {id, snapshot}: answer once the writes before are applied; ``ready``
    {tab, endpoint, trackerKey}: init ran, page JS may call;
    ``answer`` {id, ok, value, kind, message, user}: every call is answered (``user``, the
    user after a call that may change it, is what the page's hand-over replays sends with);
    ``outcome`` {id, value}; ``warn`` {message}; ``report`` {detail}; ``consent`` {state}: the
    SDK's consent state ("pending", "granted", "denied"), so the page stores nothing at page
    hide before a grant. ``set``, ``ready`` and ``outcome`` also carry ``healthyUntil``: until
    when (epoch seconds) the page-hide flush may hand never-failed entries to the browser
    (the healthy channel of docs/delivery.md, judged by the worker, which makes the
    requests); 0: not now.

Consistency rule of the mirror: it equals the page's localStorage as of the last ``changed``
message for each key, overlaid with the worker's own writes that the page had not applied
yet (a write numbered above the ``seq`` of that message). Writes reach the page in order, so
the page ends with the worker's latest value for every key the worker wrote last.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from xo_web.core.consent import OPT_OUT_NOT_SAVED, is_opt_out_value
from xo_web.core.keys import KEY_PREFIX, OPT_OUT_STORAGE_KEY
from xo_web.errors import ConsentError, DeliveryError
from xo_web.facade.calls import Answer, Facade, JsOutcome
from xo_web.facade.names import ACTIVITY_METHODS
from xo_web.tracker import Tracker

Post = Callable[[dict[str, Any]], None]
USER_CHANGING = frozenset(
    m.js for m in ACTIVITY_METHODS if m.kind == "call" and m.py not in ("opt_out", "opt_in")
)


class MirrorStorage:
    """The page's ``attraqt*`` localStorage keys, mirrored in the worker; writes go to the page.

    Reads never wait (the Storage port is synchronous): they answer from the mirror, which the
    page keeps current with ``changed`` messages (see the module's consistency rule).
    """

    def __init__(self, snapshot: Mapping[str, object], post: Post) -> None:
        self._data = {
            k: v for k, v in snapshot.items() if k.startswith(KEY_PREFIX) and isinstance(v, str)
        }
        self._post = post
        self._seq = 0
        self._written: dict[str, int] = {}  # key -> number of the worker's latest write of it
        self.healthy_until: Callable[[], float] = lambda: 0.0

    def get(self, key: str) -> str | None:
        """Return the mirrored value of ``key``, or None."""
        return self._data.get(key)

    def set(self, key: str, value: str) -> None:
        """Store ``value`` here at once and on the page in order."""
        self._data[key] = value
        self._write(key, value)

    def remove(self, key: str) -> None:
        """Remove ``key`` here at once and on the page in order."""
        self._data.pop(key, None)
        self._write(key, None)

    def list_keys(self) -> list[str]:
        """Return the mirrored keys."""
        return list(self._data)

    def changed(self, key: str, value: str | None, seq: int) -> None:
        """Apply the page's value of ``key`` unless a later write of the worker will land."""
        if not key.startswith(KEY_PREFIX) or self._written.get(key, 0) > seq:
            return
        if isinstance(value, str):
            self._data[key] = value
        else:
            self._data.pop(key, None)

    def reset(self, snapshot: Mapping[str, object], seq: int) -> None:
        """Take the page's whole ``attraqt*`` state (another tab cleared localStorage),
        keeping the worker's writes that the page had not applied yet."""
        pending = {k: self._data.get(k) for k, n in self._written.items() if n > seq}
        self._data = {
            k: v for k, v in snapshot.items() if k.startswith(KEY_PREFIX) and isinstance(v, str)
        }
        for key, value in pending.items():
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = value

    def _write(self, key: str, value: str | None) -> None:
        self._seq += 1
        self._written[key] = self._seq
        self._post(
            {"xo": "set", "key": key, "value": value, "seq": self._seq,
             "healthyUntil": self.healthy_until()}
        )  # fmt: skip


class PageCookies:
    """The page's ``document.cookie`` as the Cookies port: the page writes it (a worker has no
    cookies), in order with the storage writes posted before."""

    def __init__(self, post: Post) -> None:
        self._post = post

    def set(self, name: str, value: str) -> None:
        """Ask the page to write the cookie ``name``."""
        self._post({"xo": "cookie", "name": name, "value": value})

    def delete(self, name: str) -> None:
        """Ask the page to delete the cookie ``name``."""
        self._post({"xo": "cookie", "name": name, "value": None})


class PageEnvironment:
    """The page's privacy signals and online state as the page reported them; the console and
    ``xo:error`` events are the page's too (posted to it)."""

    def __init__(self, post: Post, *, refused: bool = False, online: bool = True) -> None:
        self._post = post
        self.refused = refused
        self.online = online

    def tracking_refused(self) -> bool:
        """Return True when the page reported Do-Not-Track or Global Privacy Control."""
        return self.refused

    def is_online(self) -> bool:
        """Return the page's ``navigator.onLine`` as last reported."""
        return self.online

    def warn(self, message: str) -> None:
        """Ask the page to write ``message`` to its console."""
        self._post({"xo": "warn", "message": f"[xo_web] {message}"})

    def report(self, error: DeliveryError) -> None:
        """Ask the page to dispatch ``xo:error`` and log the error once."""
        stage = "consent" if isinstance(error, ConsentError) else "delivery"
        detail = {"stage": stage, "message": str(error), "status": error.status}
        self._post({"xo": "report", "detail": detail})


class WorkerBridge:
    """Answers the page's messages for one Tracker living in this worker."""

    def __init__(self, storage: MirrorStorage, environment: PageEnvironment, post: Post) -> None:
        self.storage = storage
        self.environment = environment
        self._post = post
        self._tracker: Tracker | None = None
        self._facade: Facade | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.on_synced: Callable[[Mapping[str, Any]], None] | None = None  # a PageSync's

    def serve(self, tracker: Tracker) -> None:
        """Answer page calls with ``tracker``."""
        self._tracker = tracker
        self._facade = Facade(tracker)
        tracker._on_consent = lambda state: self._post({"xo": "consent", "state": state})
        self.storage.healthy_until = tracker._healthy_until

    def announce(self, *, live: bool = False) -> None:
        """Tell the page that page JS calls may now go to the SDK: after each init, or at once
        (``live``) when the worker was booted by ``xo.js`` and page JS may call ``init``."""
        tracker = self._tracker
        if tracker is None or not (live or tracker.is_initialized):
            return
        self._post(
            {
                "xo": "ready",
                "tab": tracker._tab_id,
                "endpoint": tracker.endpoint,
                "trackerKey": tracker.tracker_key,
                "healthyUntil": tracker._healthy_until(),
            }
        )

    def receive(self, message: Mapping[str, Any]) -> None:
        """Handle one message from the page (already converted to Python values)."""
        kind = message.get("xo")
        if kind == "changed":
            key, value, seq = message.get("key"), message.get("value"), message.get("seq")
            if isinstance(key, str) and isinstance(seq, int):
                self.storage.changed(key, value if isinstance(value, str) else None, seq)
        elif kind == "reset":
            snapshot, seq = message.get("snapshot"), message.get("seq")
            if isinstance(snapshot, Mapping) and isinstance(seq, int):
                self.storage.reset(snapshot, seq)
        elif kind == "online":
            self.environment.online = message.get("online") is not False
            if self.environment.online and self._tracker is not None:
                self._tracker._flush_soon()
        elif kind == "failed":
            self._refused(str(message.get("key")), str(message.get("message")))
        elif kind == "call":
            self._call(message)
        elif kind == "consent" and self._tracker is not None:
            self._tracker._set_page_consent(str(message.get("verdict")))
        elif kind == "synced" and self.on_synced is not None:
            self.on_synced(message)

    def _refused(self, key: str, reason: str) -> None:
        """The page's storage refused a write: the value lives on in memory (the mirror here,
        the page's own copy for its page-hide flush). An opt-out that did not reach storage is
        the Consent's failure case: reported, and held for the page's life."""
        if key == OPT_OUT_STORAGE_KEY and is_opt_out_value(self.storage.get(key)):
            self.environment.report(ConsentError(f"{OPT_OUT_NOT_SAVED} ({reason})"))
        else:
            self.environment.warn(
                f"xo_web: the page's storage refused {key!r} ({reason}): what it refuses is "
                "kept in memory for this page"
            )

    def _call(self, message: Mapping[str, Any]) -> None:
        call_id, name, args = message.get("id"), message.get("name"), message.get("args")
        if self._facade is None:
            answer = Answer(False, kind="Error", message="xo_web is not initialized yet")
        else:
            try:
                answer = self._facade.call(str(name), list(args or []))
            except RecursionError:
                reason = "an argument is cyclic or nested too deeply"
                answer = Answer(False, kind="TypeError", message=f"xo.activity.{name}: {reason}")
            except Exception as error:  # every call is answered: a page Promise never hangs
                answer = Answer(False, kind="Error", message=f"xo.activity.{name}: {error!r}")
        tracker = self._tracker
        if answer.ok and isinstance(answer.awaitable, JsOutcome) and tracker is not None:
            held = answer.awaitable.inner  # held for the full validator: answered once run,
            if tracker._held.when_run(held, lambda: self._answer_held(call_id, name, held)):
                return  # so the page keeps it for the next page if it goes meanwhile
        self._reply(call_id, name, answer)

    def _answer_held(self, call_id: object, name: object, held: Any) -> None:
        error = held.exception() if held.done() and not held.cancelled() else None
        if error is not None:
            kind = "TypeError" if isinstance(error, TypeError | ValueError) else "Error"
            self._reply(call_id, name, Answer(False, kind=kind, message=str(error)))
        elif name == "send" or not held.done():
            self._reply(call_id, name, Answer(True, awaitable=JsOutcome(held)))
        else:
            self._reply(call_id, name, Answer(True, value=held.result()))

    def _reply(self, call_id: object, name: object, answer: Answer) -> None:
        reply = {"xo": "answer", "id": call_id, "ok": answer.ok, "value": answer.value,
                 "kind": answer.kind, "message": answer.message}  # fmt: skip
        if name in USER_CHANGING and self._tracker is not None:
            reply["user"] = self._tracker.user  # what a send after it is replayed with
        self._post(reply)
        if answer.ok and answer.awaitable is not None:
            self._settle_later(call_id, answer.awaitable)

    def _settle_later(self, call_id: object, awaitable: Any) -> None:
        """Post the send's outcome when it is known: from a done callback when the outcome is
        watchable (as ``convert.promise`` does on the main thread), else from a task."""

        def resolve(value: object) -> None:
            health = self._tracker._healthy_until() if self._tracker is not None else 0.0
            self._post({"xo": "outcome", "id": call_id, "value": value, "healthyUntil": health})

        def reject(error: BaseException) -> None:  # delivery never throws; a bug guard
            self._post({"xo": "outcome", "id": call_id, "error": str(error)})

        if isinstance(awaitable, JsOutcome) and awaitable.watchable:
            awaitable.when_done(resolve, reject)
            return

        async def settle() -> None:
            try:
                value = await awaitable
            except Exception as error:
                reject(error)
                return
            resolve(value)

        task = asyncio.ensure_future(settle())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
