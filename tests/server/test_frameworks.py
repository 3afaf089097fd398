"""The recipes run: FastAPI under uvicorn, Django's runserver, Flask, gunicorn with preload_app.

Each starts the example app of examples/server/ against the local sink and confirms an order
with the browser's session cookie; the purchase must reach the sink with that session id.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.sink import Sink

ROOT = Path(__file__).resolve().parents[2]
SESSION = "5e5510ed-0000-4000-8000-000000000017"
COOKIES = {"attraqtsessionid": SESSION}
START_TIMEOUT_S = 30.0


def free_port() -> int:
    """Return a port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def example_env(sink: Sink, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment the examples read: the sink as collector, a fresh SQLite outbox."""
    env = dict(os.environ)
    env.update(
        XO_TRACKER_KEY="shop-key",
        XO_COLLECT_URL=sink.url,
        XO_OUTBOX=f"sqlite:///{tmp_path / 'xo.db'}",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


class Served:
    """A running server process: its base URL; ``returncode`` once it stopped."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.returncode: int | None = None
        self.output = ""


@contextmanager
def served(command: list[str], env: dict[str, str], port: int) -> Iterator[Served]:
    """Run a server process until its /health answers; stop it (SIGTERM) afterwards."""
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    server = Served(base)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"{command[2]} exited with {process.returncode}:\n{output}")
            try:
                if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{command} did not answer /health in {START_TIMEOUT_S} s")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        server.returncode = process.returncode
        server.output = process.stdout.read().decode() if process.stdout else ""


def purchases(sink: Sink) -> list[dict[str, Any]]:
    """The purchases the sink accepted."""
    return [a for a in sink.accepted() if a["action"] == "purchase"]


def confirm(base: str, order_id: str) -> dict[str, Any]:
    """POST the order's payment confirmation with the browser's session cookie."""
    response = httpx.post(f"{base}/orders/{order_id}/paid", cookies=COOKIES, timeout=10.0)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def arrived(sink: Sink, order_ids: set[str]) -> bool:
    """True once every order's purchase reached the sink."""
    return {a["metadata"]["orderId"] for a in purchases(sink)} >= order_ids


def test_fastapi_lifespan_under_uvicorn_sends_with_the_cookies_session(
    sink: Sink, tmp_path: Path
) -> None:
    """uvicorn runs the FastAPI example: a confirmed order arrives with the cookie's session id."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "examples.server.fastapi_app:app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "info"]  # fmt: skip
    with served(command, example_env(sink, tmp_path), port) as server:
        assert confirm(server.base, "fa-1")["sessionId"] == SESSION
        assert sink.wait_until(lambda: arrived(sink, {"fa-1"}))
    [purchase] = purchases(sink)
    assert purchase["user"]["identities"]["sessionid"] == SESSION
    assert "Application shutdown complete" in server.output  # the lifespan's flush and close


def test_fastapi_shutdown_closes_the_tracker_and_keeps_the_undelivered(
    sink: Sink, tmp_path: Path
) -> None:
    """With the collector down, shutdown still completes and the purchase stays queued."""
    from xo_web.server import Tracker

    port = free_port()
    env = example_env(sink, tmp_path, XO_COLLECT_URL=f"http://127.0.0.1:{free_port()}")
    command = [sys.executable, "-m", "uvicorn", "examples.server.fastapi_app:app",
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "info"]  # fmt: skip
    with served(command, env, port) as server:  # the collector is down: nothing is delivered
        confirm(server.base, "fa-2")
    assert "Application shutdown complete" in server.output
    left = Tracker("shop-key", outbox=env["XO_OUTBOX"], start_sender=False)
    try:
        assert left.status().pending == 1
    finally:
        left.close()


def test_django_app_config_under_runserver_sends_with_the_cookies_session(
    sink: Sink, tmp_path: Path
) -> None:
    """Django's runserver with XOConfig: a confirmed order arrives with the cookie's session id."""
    port = free_port()
    command = [sys.executable, "-m", "examples.server.django_site.manage", "runserver",
               f"127.0.0.1:{port}", "--noreload"]  # fmt: skip
    with served(command, example_env(sink, tmp_path), port) as server:
        assert confirm(server.base, "dj-1")["sessionId"] == SESSION
        assert sink.wait_until(lambda: arrived(sink, {"dj-1"}))
    [purchase] = purchases(sink)
    assert purchase["user"]["identities"]["sessionid"] == SESSION


def test_flask_extension_sends_with_the_cookies_session(
    sink: Sink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flask's test client on the XO extension: the purchase arrives with the cookie's id."""
    for name, value in example_env(sink, tmp_path).items():
        if name.startswith("XO_"):
            monkeypatch.setenv(name, value)
    from examples.server.flask_app import create_app

    app = create_app()
    tracker = app.extensions["xo"]
    try:
        client = app.test_client()
        client.set_cookie("attraqtsessionid", SESSION)
        response = client.post("/orders/fl-1/paid")
        assert response.status_code == 200
        assert response.get_json()["sessionId"] == SESSION
        assert tracker.flush(timeout=20.0)
    finally:
        tracker.close(timeout=5.0)
    [purchase] = purchases(sink)
    assert purchase["user"]["identities"]["sessionid"] == SESSION


@pytest.mark.parametrize(
    ("outbox_kind", "marker"),
    [("sqlite", ""), ("sqlite", "r-17"), ("postgresql", "r-17")],
    ids=["sqlite-master-idle", "sqlite-master-sent", "postgresql-master-sent"],
)
def test_gunicorn_preload_app_workers_deliver_their_sends(
    sink: Sink, tmp_path: Path, request: pytest.FixtureRequest, outbox_kind: str, marker: str
) -> None:
    """gunicorn preload_app, 2 workers: the Tracker is made in the master (which, with a
    marker, also sends first, so its sender thread and connection exist at the fork), and each
    worker's sends arrive with the cookie's session id. Idle senders poll once an hour here, so
    no other process delivers a worker's rows: each worker must run its own sender."""
    outbox: str = request.getfixturevalue("sqlite_dsn" if outbox_kind == "sqlite" else "pg_dsn")
    port = free_port()
    env = example_env(sink, tmp_path, XO_BIND=f"127.0.0.1:{port}", XO_DEPLOY_MARKER=marker,
                      WEB_CONCURRENCY="2", XO_OUTBOX=outbox, XO_POLL_S="3600")  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "-c", "examples/server/gunicorn.conf.py"]
    orders = {f"gu-{n}" for n in range(12)}
    with served(command, env, port) as server:
        for order in sorted(orders):
            confirm(server.base, order)
        delivered = sink.wait_until(lambda: arrived(sink, orders))
    assert delivered, server.output
    sent = purchases(sink)
    assert {a["user"]["identities"]["sessionid"] for a in sent} == {SESSION}
    deploys = [a["target"] for a in sink.accepted() if a["action"] == "deploy"]
    assert deploys == ([{"release": marker}] if marker else [])
