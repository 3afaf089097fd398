"""The host side's pydantic range: the wire and core tests pass at its lowest version.

``pyproject.toml`` declares a range for CPython (the browser always ships the pinned pydantic);
the main test run covers the newest version of it, this test the lowest, in a fresh venv.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

from tests.install.conftest import ROOT


def lowest_pydantic() -> str:
    """Return the lower bound of pyproject.toml's pydantic range, as an exact version."""
    match = re.search(r'"pydantic>=([0-9.]+),', (ROOT / "pyproject.toml").read_text())
    assert match, "pyproject.toml declares no pydantic range"
    release = match.group(1)
    return release if release.count(".") == 2 else f"{release}.0"


def other_dependencies() -> list[str]:
    """Return pyproject.toml's runtime dependencies other than pydantic, as declared."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [d for d in declared if not d.startswith("pydantic")]


def test_the_wire_and_core_tests_pass_at_the_lowest_pydantic(tmp_path: Path) -> None:
    """A venv with the range's lowest pydantic runs tests/wire and tests/core green."""
    lowest = lowest_pydantic()
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    tools = [f"{name}=={version(name)}" for name in ("pytest", "hypothesis")]
    install = [python, "-m", "pip", "install", "--quiet", f"pydantic=={lowest}", *tools]
    subprocess.run([*install, *other_dependencies()], check=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("VIRTUAL_ENV", None)
    check = [python, "-c", "import pydantic; print(pydantic.VERSION)"]
    assert subprocess.run(check, env=env, capture_output=True, text=True).stdout.strip() == lowest
    tests = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/wire", "tests/core"]
    result = subprocess.run(tests, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
