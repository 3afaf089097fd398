"""The npm pins in xo_web/bundler/pins.py are the ones package-lock.json records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xo_web.bundler.pins import NPM_PACKAGES, NpmPin

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("pin", NPM_PACKAGES, ids=lambda pin: pin.name)
def test_npm_pin_equals_package_lock(pin: NpmPin) -> None:
    """Version and sha512 integrity match package-lock.json's entry for the package."""
    lock = json.loads((ROOT / "package-lock.json").read_text())
    entry = lock["packages"][f"node_modules/{pin.name}"]
    assert (pin.version, pin.integrity) == (entry["version"], entry["integrity"])


def test_tarball_path_follows_the_registry_layout() -> None:
    """A scoped package's tarball is named after its bare name, as npm lays it out."""
    assert NpmPin("@pyscript/core", "1.2.3", "x").tarball_path == "@pyscript/core/-/core-1.2.3.tgz"
    assert NpmPin("pyodide", "1.0.0", "x").tarball_path == "pyodide/-/pyodide-1.0.0.tgz"
