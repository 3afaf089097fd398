"""The server Tracker's API: validation as in the browser, users, durable send, delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.server.kit import KEY, SESSION, USER, view
from tests.support.sink import Sink
from xo_web.errors import ConfigError, PersonalDataError, ValidationError
from xo_web.server import OutboxError, Tracker


def test_a_send_is_delivered_with_the_given_user(
    outbox: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """send() then flush() puts the activity, with the user passed, at the collector."""
    tracker = make_tracker(outbox)
    tracker.send(view(1), user=USER)
    assert tracker.flush(10)
    [activity] = sink.accepted()
    assert activity["user"]["identities"] == {"sessionid": SESSION}
    assert sink.requests[0].path == f"/{KEY}"
    assert sink.requests[0].headers["X-SDK"] == "1"


def test_an_activity_with_its_own_user_keeps_it(
    sqlite_dsn: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """The REST style: an activity's own user is sent as given, not replaced by user=."""
    tracker = make_tracker(sqlite_dsn)
    own = {"identities": {"sessionid": "browser-1", "crmid": "c-9"}, "segments": ["vip"]}
    tracker.send([view(1, user=own), view(2)], user=USER)
    assert tracker.flush(10)
    first, second = sink.accepted()
    assert first["user"]["identities"] == {"sessionid": "browser-1", "crmid": "c-9"}
    assert first["user"]["segments"] == ["vip"]
    assert second["user"]["identities"] == {"sessionid": SESSION}


def test_a_send_without_any_user_is_refused(sqlite_dsn: str) -> None:
    """A server keeps no session: an activity with no user at all is a ValidationError."""
    tracker = Tracker(KEY, outbox=sqlite_dsn, start_sender=False)
    with pytest.raises(ValidationError, match="sessionid") as caught:
        tracker.send(view(1))
    assert caught.value.field == "user"
    assert tracker.status().pending == 0


def test_a_user_without_a_session_id_is_refused(sqlite_dsn: str) -> None:
    """user= must hold a sessionid identity; the error names user.identities."""
    tracker = Tracker(KEY, outbox=sqlite_dsn, start_sender=False)
    with pytest.raises(ValidationError, match="sessionid") as caught:
        tracker.send(view(1), user={"identities": {"crmid": "c-1"}})
    assert caught.value.field == "user.identities"


def test_an_own_user_without_a_session_id_names_the_activity(sqlite_dsn: str) -> None:
    """In a list, an activity's own user without sessionid is named "[1].user.identities"."""
    tracker = Tracker(KEY, outbox=sqlite_dsn, start_sender=False)
    bad = view(2, user={"identities": {"crmid": "c-1"}})
    with pytest.raises(ValidationError) as caught:
        tracker.send([view(1), bad], user=USER)
    assert caught.value.field == "[1].user.identities"
    assert tracker.status().pending == 0


def test_field_errors_are_the_browsers(sqlite_dsn: str) -> None:
    """A bad activity gets the browser's ValidationError, naming the field; nothing is kept."""
    tracker = Tracker(KEY, outbox=sqlite_dsn, start_sender=False)
    with pytest.raises(ValidationError) as caught:
        tracker.send([view(1), {"action": "view", "target": {"n": 5}}], user=USER)
    assert caught.value.field == "[1].target.n"
    assert tracker.status().pending == 0


def test_personal_data_in_a_user_is_refused(sqlite_dsn: str) -> None:
    """The personal-data guard holds on the server as in the browser."""
    tracker = Tracker(KEY, outbox=sqlite_dsn, start_sender=False)
    user = {"identities": {"sessionid": "s-1"}, "traits": {"mail": "ann@example.com"}}
    with pytest.raises(PersonalDataError):
        tracker.send(view(1), user=user)


def test_send_returns_once_the_activity_is_in_the_outbox(outbox: str) -> None:
    """With no sender running, a returned send is already recorded (durable, not in memory)."""
    tracker = Tracker(KEY, outbox=outbox, start_sender=False)
    tracker.send([view(1), view(2)], user=USER)
    assert tracker.status().pending == 2
    tracker.close()


def test_a_bad_outbox_dsn_is_a_config_error() -> None:
    """An outbox DSN of an unknown kind is refused at construction."""
    with pytest.raises(ConfigError, match="outbox"):
        Tracker(KEY, outbox="mysql://db/x")


def test_an_unreachable_postgres_raises_outbox_error() -> None:
    """A send that cannot reach its database raises OutboxError: the caller knows."""
    tracker = Tracker(
        KEY, outbox="postgresql://nobody@/none?host=/nonexistent-xo", start_sender=False
    )
    with pytest.raises(OutboxError):
        tracker.send(view(1), user=USER)


def test_asend_is_delivered_by_a_task_sender(
    outbox: str, sink: Sink, make_tracker: Callable[..., Tracker]
) -> None:
    """await asend() records the activity, and an asyncio task (not a thread) delivers it."""
    tracker = make_tracker(outbox)

    async def main() -> tuple[bool, str]:
        await tracker.asend(view(1), user=USER)
        kind = type(tracker._sender).__name__
        flushed = await tracker.aflush(10)
        await tracker.aclose(2)
        return flushed, kind

    assert asyncio.run(main()) == (True, "TaskSender")
    assert sink.delivered("n") == {"1": 1}


def test_a_blocking_flush_on_the_senders_own_loop_is_refused(
    sqlite_dsn: str, make_tracker: Callable[..., Tracker]
) -> None:
    """flush() on the loop its task sender runs on would starve it: RuntimeError, use aflush."""
    tracker = make_tracker(sqlite_dsn)

    async def main() -> None:
        await tracker.asend(view(1), user=USER)
        with pytest.raises(RuntimeError, match="aflush"):
            tracker.flush(1)
        assert await tracker.aflush(10)
        await tracker.aclose(2)

    asyncio.run(main())


def test_flush_with_an_unreachable_outbox_returns_false() -> None:
    """flush() answers False (nothing is known delivered) rather than raising."""
    tracker = Tracker(KEY, outbox="postgresql://nobody@/none?host=/nonexistent-xo")
    assert tracker.flush(0.2) is False
    tracker.close(1)
