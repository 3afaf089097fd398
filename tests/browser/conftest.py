"""Fixtures for the browser tests: the built bundle, a local site, the network guard.

Chromium's launch settings and the boot timeout come from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from tests.conftest import build_test_bundle
from tests.support.browser import Network
from tests.support.static_site import StaticSite

BUNDLE_PREFIX = "/static/vendor/xo/"  # a sub-path on purpose: nothing may assume /xo/


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the bundle once per run, for serving under BUNDLE_PREFIX."""
    return build_test_bundle(tmp_path_factory, BUNDLE_PREFIX)


@pytest.fixture(scope="session")
def site(bundle_dir: Path) -> Iterator[StaticSite]:
    """A local static site serving the bundle under BUNDLE_PREFIX and the tests' pages."""
    server = StaticSite()
    server.mount(BUNDLE_PREFIX, bundle_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def network(context: BrowserContext) -> Iterator[Network]:
    """Intercept the collector, abort anything not on 127.0.0.1, and assert nothing left it."""
    guard = Network().install(context)
    yield guard
    assert guard.blocked == [], f"requests left 127.0.0.1: {guard.blocked}"


@pytest.fixture(scope="session")
def other_site(bundle_dir: Path) -> Iterator[StaticSite]:
    """A second local site (another port: another origin) serving the bundle too, for pages
    framed cross-origin."""
    server = StaticSite()
    server.mount(BUNDLE_PREFIX, bundle_dir)
    server.start()
    yield server
    server.stop()
