"""Fixtures every browser-driving folder shares: Chromium's launch settings and the boot timeout.

The settings live in playwright.config.py (which Chromium, its flags, the boot timeout);
``build_test_bundle`` builds the xo_web bundle the way ``make bundle`` does.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

from xo_web.bundle import BundleInputs, build_bundle

ROOT = Path(__file__).resolve().parents[1]
SETTINGS: dict[str, Any] = runpy.run_path(str(ROOT / "playwright.config.py"))


def build_test_bundle(tmp_path_factory: pytest.TempPathFactory, base_url: str) -> Path:
    """Build the bundle from node_modules and the wheel cache into a fresh temporary folder."""
    inputs = BundleInputs(node_modules=ROOT / "node_modules", wheel_cache=ROOT / ".cache/wheels")
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
