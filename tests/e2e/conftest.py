"""Fixtures for the end-to-end tests: the REAL demo server (collector + bundle + storefront).

The server is ``demo.server.create_demo_app`` run by uvicorn in a thread on 127.0.0.1 and a free
port, over a fresh bundle (built once per run into a temporary directory) and a fresh data
directory; the browser talks to it for real, nothing is intercepted except non-local requests,
which the network guard aborts and records.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
import uvicorn
from playwright.sync_api import BrowserContext

from demo.server import create_demo_app
from tests.conftest import build_test_bundle
from tests.support.browser import Network

SERVER_START_TIMEOUT_S = 20.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark this folder's tests that drive Chromium (they use ``page``) as browser tests."""
    for item in items:
        in_folder = Path(str(item.fspath)).is_relative_to(Path(__file__).parent)
        if in_folder and "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def demo_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle, built once per run for serving under /xo/ (as `make bundle` does)."""
    return build_test_bundle(tmp_path_factory, "/xo/")


@dataclass
class DemoServer:
    """A running demo server: its origin and a small JSON client for the collector's API."""

    origin: str
    data_dir: Path

    def get_json(self, path: str) -> Any:
        """GET ``path`` on the server and parse the JSON answer."""
        with urlopen(self.origin + path, timeout=5) as response:
            return json.loads(response.read().decode("utf-8"))


@pytest.fixture
def demo_server(demo_bundle: Path, tmp_path: Path) -> Iterator[DemoServer]:
    """Serve ``create_demo_app`` with uvicorn in a thread on 127.0.0.1 and a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # bound here, handed to uvicorn: no free-port race
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    data_dir = tmp_path / "data"
    app = create_demo_app(
        bundle_dir=demo_bundle,
        data_dir=data_dir,
        allowed_origins=[origin],
        backend_collect_url=f"{origin}/collect",
    )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    pause = threading.Event()  # never set: a plain wait, before any page exists
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        pause.wait(0.05)
    assert server.started, "the demo server did not start"
    try:
        yield DemoServer(origin=origin, data_dir=data_dir)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def network(context: BrowserContext) -> Iterator[Network]:
    """Abort and record every request whose host is not 127.0.0.1/localhost."""
    guard = Network().install(context)
    yield guard
    assert guard.blocked == [], f"requests left 127.0.0.1: {guard.blocked}"
    assert guard.collected == [], "the page posted to the real XO collector"
