"""Tests of the storages, the guard, and the fakes of xo_web.testing."""

import asyncio
import json
import logging
import uuid

import pytest

from xo_web.core.cookie import SessionCookieMirror
from xo_web.core.defaults import LoggingEnvironment, new_uuid
from xo_web.core.keys import OUTBOX_ENTRY_PREFIX
from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.core.storage import GuardedStorage
from xo_web.errors import DeliveryError, TransportError
from xo_web.testing import (
    BrokenStorage,
    MemoryCookies,
    MemoryStorage,
    MockTransport,
    QuietEnvironment,
    QuotaStorage,
    TaskStorage,
)

REQUEST = HttpRequest(url="https://x/k", body="[]", headers={}, keepalive=True, timeout_s=1.0)


def test_new_uuid_is_a_uuid4() -> None:
    """The default IdFactory returns UUID v4 strings."""
    assert uuid.UUID(new_uuid()).version == 4


def test_new_uuid_is_unique() -> None:
    """Two ids differ."""
    assert new_uuid() != new_uuid()


def test_memory_storage_round_trip() -> None:
    """MemoryStorage stores, returns and removes values in .data."""
    storage = MemoryStorage()
    storage.set("k", "v")
    assert (storage.get("k"), storage.data) == ("v", {"k": "v"})
    storage.remove("k")
    assert storage.get("k") is None


def test_memory_storage_remove_missing_key() -> None:
    """Removing an absent key is fine."""
    MemoryStorage().remove("absent")


def test_memory_storage_copies_seed_data() -> None:
    """Seed data is copied."""
    seed = {"k": "v"}
    storage = MemoryStorage(seed)
    storage.set("k", "w")
    assert seed == {"k": "v"}


@pytest.mark.parametrize("call", ["get", "set", "remove"])
def test_broken_storage_raises_on_every_call(call: str) -> None:
    """BrokenStorage raises OSError("storage unavailable") by default."""
    args = ("k", "v") if call == "set" else ("k",)
    with pytest.raises(OSError, match="storage unavailable"):
        getattr(BrokenStorage(), call)(*args)


def test_broken_storage_raises_the_given_error() -> None:
    """BrokenStorage can raise any exception, like a SecurityError."""
    with pytest.raises(PermissionError):
        BrokenStorage(PermissionError("SecurityError")).get("k")


def test_quota_storage_refuses_writes_beyond_quota() -> None:
    """QuotaStorage raises when a write would exceed the limit (2 bytes a character)."""
    storage = QuotaStorage(limit_bytes=10)
    storage.set("k", "1234")
    with pytest.raises(OSError, match="Quota"):
        storage.set("k", "12345")
    assert storage.data == {"k": "1234"}


def test_guarded_storage_passes_calls_through() -> None:
    """With working storage GuardedStorage is transparent and silent."""
    inner, warnings = MemoryStorage(), list[str]()
    guarded = GuardedStorage(inner, warnings.append)
    guarded.set("k", "v")
    assert (guarded.get("k"), inner.data, warnings) == ("v", {"k": "v"}, [])


def test_guarded_storage_never_raises() -> None:
    """Every call on a broken storage returns quietly."""
    guarded = GuardedStorage(BrokenStorage(), lambda message: None)
    guarded.remove("k")
    assert guarded.get("k") is None


def test_guarded_storage_remembers_failed_writes() -> None:
    """A value whose write failed is still read back for this page."""
    guarded = GuardedStorage(BrokenStorage(), lambda message: None)
    guarded.set("k", "v")
    assert guarded.get("k") == "v"


def test_guarded_storage_remembers_failed_removals() -> None:
    """A key whose removal failed reads as absent."""

    class NoRemove(MemoryStorage):
        def remove(self, key: str) -> None:
            raise OSError("read-only")

    guarded = GuardedStorage(NoRemove({"k": "v"}), lambda message: None)
    guarded.remove("k")
    assert guarded.get("k") is None


def test_guarded_storage_unpins_after_a_successful_write() -> None:
    """Once storage accepts the key again, it is read from storage."""
    inner = QuotaStorage(limit_bytes=4)
    guarded = GuardedStorage(inner, lambda message: None)
    guarded.set("k", "toolong")
    inner.limit_bytes = 100
    guarded.set("k", "ok")
    inner.data["k"] = "changed elsewhere"
    assert guarded.get("k") == "changed elsewhere"


def test_guarded_storage_warns_once() -> None:
    """Only the first failure is announced."""
    warnings: list[str] = []
    guarded = GuardedStorage(BrokenStorage(), warnings.append)
    guarded.get("a")
    guarded.set("b", "v")
    guarded.remove("c")
    assert len(warnings) == 1
    assert "storage unavailable" in warnings[0]


def test_mock_transport_default_answer() -> None:
    """The default handler answers 200 {"profiles": {}}."""
    response = asyncio.run(MockTransport().send(REQUEST))
    assert (response.status, json.loads(response.body)) == (200, {"profiles": {}})


def test_mock_transport_records_requests() -> None:
    """Every request is recorded in .requests."""
    transport = MockTransport()
    asyncio.run(transport.send(REQUEST))
    assert transport.requests == [REQUEST]


def test_mock_transport_handler_may_raise() -> None:
    """A handler raising TransportError simulates a network failure."""

    def offline(request: HttpRequest) -> HttpResponse:
        raise TransportError("offline")

    transport = MockTransport(offline)
    with pytest.raises(TransportError):
        asyncio.run(transport.send(REQUEST))
    assert transport.requests == [REQUEST]


def test_http_response_defaults() -> None:
    """An HttpResponse needs only a status."""
    assert HttpResponse(204) == HttpResponse(204, {}, "")


def test_quiet_environment_records() -> None:
    """QuietEnvironment collects warnings and reports, and refuses when told to."""
    environment = QuietEnvironment(refused=True)
    error = DeliveryError("x", status=0, retryable=True)
    environment.warn("w")
    environment.report(error)
    assert (environment.tracking_refused(), environment.warnings, environment.reports) == (
        True,
        ["w"],
        [error],
    )


def test_logging_environment_logs(caplog: pytest.LogCaptureFixture) -> None:
    """LoggingEnvironment never refuses and logs on the xo_web logger."""
    environment = LoggingEnvironment()
    with caplog.at_level(logging.WARNING, logger="xo_web"):
        environment.warn("careful")
        environment.report(DeliveryError("HTTP 500", status=500, retryable=True))
    assert not environment.tracking_refused()
    assert [r.getMessage() for r in caplog.records] == [
        "careful",
        "xo_web: delivery failed: HTTP 500",
    ]


OUTBOX_KEY = OUTBOX_ENTRY_PREFIX + "e1"


def _held() -> tuple[TaskStorage, GuardedStorage]:
    inner = TaskStorage()
    return inner, GuardedStorage(inner, QuietEnvironment().warn)


def test_outbox_writes_of_one_task_reach_storage_once_when_it_ends() -> None:
    """Three writes of one queue key in a task are one storage write, of the last value."""
    inner, guarded = _held()
    for value in ("a", "ab", "abc"):
        assert guarded.set(OUTBOX_KEY, value)
    assert inner.sets == 0
    inner.end_task()
    assert (inner.sets, inner.data) == (1, {OUTBOX_KEY: "abc"})


def test_held_writes_are_read_back_before_the_task_ends() -> None:
    """get and list_keys see a held write; a remove cancels it."""
    _, guarded = _held()
    guarded.set(OUTBOX_KEY, "v")
    assert (guarded.get(OUTBOX_KEY), guarded.list_keys()) == ("v", [OUTBOX_KEY])
    guarded.remove(OUTBOX_KEY)
    assert (guarded.get(OUTBOX_KEY), guarded.list_keys()) == (None, [])


def test_other_keys_are_written_through_at_once() -> None:
    """The session id and the opt-out never wait: their writes must be known to succeed."""
    inner, guarded = _held()
    guarded.set("attraqtoptout", "true")
    assert (inner.sets, inner.task_end) == (1, [])


def test_a_held_write_refused_at_the_end_of_the_task_stays_in_memory_and_is_warned() -> None:
    """A quota error when the task ends pins the value in memory and says so once."""
    warnings: list[str] = []
    inner = TaskStorage()
    guarded = GuardedStorage(inner, warnings.append)

    def refuse(key: str, value: str) -> None:
        raise OSError("QuotaExceededError")

    inner.set = refuse  # type: ignore[method-assign]
    guarded.set(OUTBOX_KEY, "v")
    inner.end_task()
    assert guarded.get(OUTBOX_KEY) == "v"
    assert len(warnings) == 1


def test_the_session_cookie_mirror_passes_the_end_of_task_through() -> None:
    """Over the browser's storage stack (cookie mirror over localStorage) writes are still held."""
    inner = TaskStorage()
    guarded = GuardedStorage(SessionCookieMirror(inner, MemoryCookies()), QuietEnvironment().warn)
    guarded.set(OUTBOX_KEY, "a")
    guarded.set(OUTBOX_KEY, "ab")
    inner.end_task()
    assert (inner.sets, inner.data) == (1, {OUTBOX_KEY: "ab"})
