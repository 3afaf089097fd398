"""Fixtures for the browser tests: the built bundle, a local site, Chromium, the network guard."""

from __future__ import annotations

import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from tests.support.browser import Network
from tests.support.static_site import StaticSite
from xo_web.bundle import BundleInputs, build_bundle

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, Any] = runpy.run_path(str(ROOT / "playwright.config.py"))
BUNDLE_PREFIX = "/static/vendor/xo/"  # a sub-path on purpose: nothing may assume /xo/


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive the Chromium chosen by playwright.config.py with its flags."""
    return {**browser_type_launch_args, **SETTINGS["launch_options"]()}


@pytest.fixture(scope="session")
def boot_timeout_ms() -> int:
    """How long a page may take to boot Pyodide and the SDK."""
    return int(SETTINGS["BOOT_TIMEOUT_MS"])


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the bundle once per run, for serving under BUNDLE_PREFIX."""
    inputs = BundleInputs(node_modules=ROOT / "node_modules", wheel_cache=ROOT / ".cache/wheels")
    return build_bundle(tmp_path_factory.mktemp("bundle") / "xo", inputs, base_url=BUNDLE_PREFIX)


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
