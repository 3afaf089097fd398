"""Fixtures shared by every test folder: Trackers over fakes, and Chromium's launch settings.

The CPython tests get a Tracker over xo_web.testing's fakes (`tracker`, `make_tracker`). The
browser settings live in playwright.config.py (which Chromium, its flags, the boot timeout);
``build_test_bundle`` builds the xo_web bundle the way ``make bundle`` does.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.kit import TRACKER_KEY
from xo_web.bundler.bundle import BundleInputs, build_bundle
from xo_web.bundler.cache import Cache
from xo_web.core.ports import Storage
from xo_web.errors import DeliveryError
from xo_web.testing import MemoryStorage, MockTransport, QuietEnvironment, SequentialIds
from xo_web.tracker import Tracker

ROOT = Path(__file__).resolve().parents[1]
SETTINGS: dict[str, Any] = runpy.run_path(str(ROOT / "playwright.config.py"))
# Property tests check behaviour, not speed: on a loaded 2-core machine one example can take
# well over hypothesis's 200 ms deadline, which failed runs for no fault of the code.
settings.register_profile("xo_web", deadline=None)
settings.load_profile("xo_web")
REPO_CACHE = Cache(ROOT / ".cache" / "xo-web")  # what `make setup` fills with `xo-web fetch`


def repo_bundle_inputs() -> BundleInputs:
    """Return the build inputs from the checkout's cache (fetched first if it is cold)."""
    return REPO_CACHE.fill()


def build_test_bundle(tmp_path_factory: pytest.TempPathFactory, base_url: str) -> Path:
    """Build the bundle from the checkout's cache into a fresh temporary folder."""
    inputs = repo_bundle_inputs()
    return build_bundle(tmp_path_factory.mktemp("bundle") / "xo", inputs, base_url=base_url)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive the Chromium chosen by playwright.config.py with its flags."""
    return {**browser_type_launch_args, **SETTINGS["launch_options"]()}


@pytest.fixture(scope="session")
def boot_timeout_ms() -> int:
    """How long a page may take to boot Pyodide (and PyScript) with the SDK."""
    return int(SETTINGS["BOOT_TIMEOUT_MS"])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last, so a plain ``pytest`` works in one process too.

    Sync Playwright keeps an event loop running in the main thread once it has started, and
    the CPython tests' ``asyncio.run`` must not meet it (``make test`` uses two runs anyway).
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


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
