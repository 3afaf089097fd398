"""Shared fixtures for the unit tests: in-memory ports and a ready Tracker."""

from collections.abc import Callable

import pytest

from xo_web.errors import DeliveryError
from xo_web.ports import MemoryStorage, MockTransport, QuietEnvironment, Storage
from xo_web.tracker import Tracker

from .helpers import TRACKER_KEY, SequentialIds

MakeTracker = Callable[..., Tracker]


@pytest.fixture
def storage() -> MemoryStorage:
    """An empty in-memory localStorage."""
    return MemoryStorage()


@pytest.fixture
def transport() -> MockTransport:
    """A transport answering 200 {"profiles": {}} and recording requests."""
    return MockTransport()


@pytest.fixture
def environment() -> QuietEnvironment:
    """An environment that never refuses tracking and records warnings and reports."""
    return QuietEnvironment()


@pytest.fixture
def delivery_errors() -> list[DeliveryError]:
    """The DeliveryErrors passed to on_error."""
    return []


@pytest.fixture
def make_tracker(
    storage: MemoryStorage,
    transport: MockTransport,
    environment: QuietEnvironment,
    delivery_errors: list[DeliveryError],
) -> MakeTracker:
    """Build a Tracker over the fixtures' ports; initialized with TRACKER_KEY unless init=False."""

    def make(*, init: bool = True, store: Storage | None = None) -> Tracker:
        tracker = Tracker(
            store if store is not None else storage,
            transport,
            environment=environment,
            new_id=SequentialIds(),
            on_error=delivery_errors.append,
        )
        if init:
            tracker.init(TRACKER_KEY)
        return tracker

    return make


@pytest.fixture
def tracker(make_tracker: MakeTracker) -> Tracker:
    """An initialized Tracker over empty storage."""
    return make_tracker()
