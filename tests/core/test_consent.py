"""Tests of consent: one rule reads the opt-out flag, and an opt-out outlives a full storage."""

import pytest

from tests.conftest import MakeTracker
from tests.kit import VIEW, run_send
from xo_web.core.consent import Consent, is_opt_out_value
from xo_web.core.keys import OPT_OUT_STORAGE_KEY, OUTBOX_ENTRY_PREFIX, SESSION_STORAGE_KEY
from xo_web.core.storage import GuardedStorage
from xo_web.errors import ConsentError, DeliveryError
from xo_web.testing import BrokenStorage, MockTransport, QuotaStorage


@pytest.mark.parametrize(
    ("raw", "opted_out"),
    [("true", True), ("TRUE", False), ("1", False), ("", False), (None, False), (True, False)],
)
def test_only_the_exact_value_true_means_opted_out(raw: object, opted_out: bool) -> None:
    """The flag means "opted out" only when it holds exactly "true", as the JS SDK writes it."""
    assert is_opt_out_value(raw) is opted_out


def test_a_stored_opt_out_is_read_back(make_tracker: MakeTracker) -> None:
    """An opt-out stored by an earlier page holds on this one."""
    store = QuotaStorage(10_000, {OPT_OUT_STORAGE_KEY: "true"})
    assert make_tracker(store=store).is_opted_out is True


def test_opt_out_frees_the_queue_before_writing_the_flag(
    make_tracker: MakeTracker, transport: MockTransport
) -> None:
    """With storage full of queued activities, the opt-out is still persisted."""
    transport.handler = lambda _request: (_ for _ in ()).throw(OSError("offline"))
    store = QuotaStorage(6_000)
    tracker = make_tracker(store=store)
    for index in range(20):
        run_send(tracker, {"action": "view", "target": {"product": f"p{index}"}})
    assert any(key.startswith(OUTBOX_ENTRY_PREFIX) for key in store.data)
    store.limit_bytes = store.used_bytes()  # not one more byte fits
    tracker.opt_out()
    assert store.data.get(OPT_OUT_STORAGE_KEY) == "true"
    assert not [key for key in store.data if key.startswith(OUTBOX_ENTRY_PREFIX)]
    assert SESSION_STORAGE_KEY not in store.data


def test_an_opt_out_that_cannot_be_saved_is_reported(
    make_tracker: MakeTracker, delivery_errors: list[DeliveryError]
) -> None:
    """When storage refuses the flag even after freeing space, a ConsentError is reported."""
    store = QuotaStorage(120, {"shop": "x" * 50})
    tracker = make_tracker(store=store)
    tracker.opt_out()
    consent_errors = [e for e in delivery_errors if isinstance(e, ConsentError)]
    assert len(consent_errors) == 1
    assert "this page only" in str(consent_errors[0])


def test_an_opt_out_that_cannot_be_saved_holds_for_the_page(
    make_tracker: MakeTracker, transport: MockTransport
) -> None:
    """Unsaved, the opt-out still stops every send of this page."""
    tracker = make_tracker(store=BrokenStorage())
    tracker.opt_out()
    assert tracker.is_opted_out is True
    assert run_send(tracker, VIEW) is None
    assert transport.requests == []


def test_the_flag_is_retried_and_read_back() -> None:
    """A write that storage silently loses is retried until it reads back as stored."""
    writes: list[str] = []

    class Forgetful(QuotaStorage):
        def set(self, key: str, value: str) -> None:
            writes.append(key)
            if len(writes) > 1:  # the first write is lost without an error
                super().set(key, value)

    store = Forgetful(10_000)
    consent = Consent(GuardedStorage(store, warn=lambda _m: None), report=lambda _e: None)
    assert consent.opt_out(free_space=lambda: None) is True
    assert len(writes) == 2
    assert store.data[OPT_OUT_STORAGE_KEY] == "true"


def test_opt_in_clears_a_page_only_opt_out(make_tracker: MakeTracker) -> None:
    """opt_in() undoes an opt-out that only this page held."""
    tracker = make_tracker(store=BrokenStorage())
    tracker.opt_out()
    tracker.opt_in()
    assert tracker.is_opted_out is False
