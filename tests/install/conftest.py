"""Fixtures for the install tests: xo_web as a user gets it, far from this checkout.

``installed`` builds the real sdist and wheel (``python -m build``) and installs the wheel
into a fresh venv in a temporary folder; ``shop`` is a temporary project folder (no node_modules, no
Makefile) where that venv's ``xo-web build`` ran with an EMPTY cache (``XO_WEB_CACHE``) and a
``--requirement`` file; ``recipe_server`` serves the result with docs/serving.md's Starlette recipe.
Every test here is marked ``browser``: they need the package registries and Chromium.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest
from playwright.sync_api import BrowserContext

from tests.support.browser import Network

ROOT = Path(__file__).resolve().parents[2]
SHOP_REQUIREMENTS = "six==1.17.0\n"
SERVER_START_TIMEOUT_S = 20.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test (the second pytest run)."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


def readme_recipe(title: str) -> str:
    """Return the first code block after the docs/serving.md heading ``title``."""
    readme = (ROOT / "docs" / "serving.md").read_text(encoding="utf-8")
    start = readme.index(f"## {title}")
    match = re.search(r"```[a-z]*\n(.*?)```", readme[start:], re.S)
    assert match, title
    return match.group(1)


@dataclass
class Installed:
    """A fresh venv holding only the built xo_web wheel and its dependencies."""

    venv: Path

    def xo_web(
        self, *args: str, cwd: Path, cache: Path, path: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the venv's ``xo-web`` in ``cwd`` with ``XO_WEB_CACHE=cache``."""
        env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
        env["XO_WEB_CACHE"] = str(cache)
        bin_dir = str(self.venv / "bin")
        env["PATH"] = path if path is not None else f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        command = [str(self.venv / "bin" / "xo-web"), *args]
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build xo_web's sdist, then its wheel FROM that sdist (so both carry everything), and
    install the wheel into a fresh venv outside the checkout."""
    home = tmp_path_factory.mktemp("install")
    dist = home / "dist"
    build = [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)]
    subprocess.run(build, check=True, capture_output=True)
    [wheel] = dist.glob("xo_web-*.whl")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)]
    subprocess.run(pip, check=True)
    return Installed(venv)


@dataclass
class Shop:
    """The shop's project folder, its cache, and the bundle built there."""

    folder: Path
    cache: Path
    xo_path: str  # the URL path the bundle is served under (the recipe's XO_PATH)
    build: subprocess.CompletedProcess[str]

    @property
    def bundle(self) -> Path:
        """The bundle folder the recipe serves."""
        return self.folder / "public" / "xo"


@pytest.fixture(scope="session")
def shop(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Shop:
    """Run ``xo-web build --requirement`` in an empty project folder with an empty cache."""
    folder = tmp_path_factory.mktemp("shop")
    cache = tmp_path_factory.mktemp("cache")
    recipe = readme_recipe("Starlette / FastAPI")
    (folder / "app.py").write_text(recipe)
    (folder / "requirements.txt").write_text(SHOP_REQUIREMENTS)
    match = re.search(r'XO_PATH = "([^"]+)"', recipe)
    assert match
    xo_path = match.group(1)
    build = installed.xo_web(
        "build", "public/xo", "--base-url", f"{xo_path}/", "--requirement", "requirements.txt",
        cwd=folder, cache=cache,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    return Shop(folder, cache, xo_path, build)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def recipe_server(shop: Shop) -> Iterator[str]:
    """Serve the shop folder's ``app.py`` (docs/serving.md) with uvicorn; yield its origin."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"], cwd=shop.folder
    )
    origin = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        try:
            with urlopen(f"{origin}{shop.xo_path}/bundle.json", timeout=2):
                break
        except (URLError, ConnectionError):
            assert server.poll() is None, "the recipe's server exited"
            assert time.monotonic() < deadline, "the recipe's server did not start"
            time.sleep(0.1)
    try:
        yield origin
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def network(context: BrowserContext) -> Iterator[Network]:
    """Abort and record every request whose host is not 127.0.0.1; assert none was made."""
    guard = Network().install(context)
    yield guard
    assert guard.blocked == [], f"requests left 127.0.0.1: {guard.blocked}"
