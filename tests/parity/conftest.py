"""Fixtures for the parity tests: the browser-test fixtures plus the reference JS SDK bundle.

The fixtures are shared with tests/browser by import (pytest finds fixtures by name in a
conftest module); the reference SDK (@attraqt/activity@1.7.1) is bundled once per run by
``scripts/build-reference-sdk.mjs`` and served next to xo_web's bundle.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser import conftest as browser_conftest
from tests.conftest import ROOT
from tests.support.static_site import StaticSite

# The browser tests' fixtures, shared by name: the xo_web bundle, the static site and the
# network guard with its fake collector (Chromium's settings come from tests/conftest.py).

bundle_dir = browser_conftest.bundle_dir
site = browser_conftest.site
network = browser_conftest.network

REFERENCE_PREFIX = "/parity/reference/"
REFERENCE_FILE = "attraqt-activity.js"


@pytest.fixture(scope="session")
def reference_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bundle the reference SDK into an IIFE exposing ``window.AttraqtReference``."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required to bundle the reference SDK (and npm ci for node_modules)")
    out = tmp_path_factory.mktemp("reference") / REFERENCE_FILE
    build = subprocess.run(
        [node, str(ROOT / "scripts/build-reference-sdk.mjs"), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if build.returncode != 0 or not out.is_file():
        pytest.fail(f"building the reference SDK failed:\n{build.stdout}\n{build.stderr}")
    return out


@pytest.fixture(scope="session")
def parity_site(site: StaticSite, reference_bundle: Path) -> StaticSite:
    """The browser tests' site, also serving the reference bundle under REFERENCE_PREFIX."""
    site.mount(REFERENCE_PREFIX, reference_bundle.parent)
    return site
