"""`xo-web relay`: the command's settings, its worker factory, and a real run on uvicorn."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.server.relay.helpers import BODY, KEY, ORIGIN
from xo_web.bundler.cli import main
from xo_web.server.relay import cli
from xo_web.server.relay.app import RelayApp
from xo_web.server.relay.outbox import OutboxSpool


def test_a_wildcard_origin_exits_2(capsys):
    """A setting that would open the relay to every origin stops the command at once."""
    assert main(["relay", "--tracker-key", KEY, "--allow-origin", "*"]) == 2
    assert "one by one" in capsys.readouterr().err


def test_each_worker_builds_its_app_from_the_environment(monkeypatch, tmp_path):
    """The factory uvicorn calls in every worker builds the configured app and its spool."""
    args = cli_args(
        "--collect-url", "http://127.0.0.1:9/c", "--spool", f"sqlite:///{tmp_path / 'o.db'}"
    )
    monkeypatch.setenv(cli.ENV_VAR, json.dumps(cli.settings_from(args)))
    app = cli.app_from_environment()
    assert isinstance(app, RelayApp)
    assert app.config.upstreams == {KEY: f"http://127.0.0.1:9/c/{KEY}"}
    assert isinstance(app.spool, OutboxSpool)


def cli_args(*extra: str):
    import argparse

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(["--tracker-key", KEY, "--allow-origin", ORIGIN, *extra])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_command_serves_the_relay_on_uvicorn(sink):
    """`xo-web relay` runs on uvicorn and relays a batch to the --collect-url upstream."""
    port = free_port()
    command = [sys.executable, "-m", "xo_web.bundler", "relay", "--tracker-key", KEY]
    command += ["--allow-origin", ORIGIN, "--collect-url", sink.url, "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        status = post_when_up(f"http://127.0.0.1:{port}/xo-relay/{KEY}")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert status == 200
    assert len(sink.accepted()) == 1
    assert {k.lower(): v for k, v in sink.requests[0].headers.items()}["via"] == "1.1 xo-web-relay"


def post_when_up(url: str) -> int:
    request = urllib.request.Request(
        url, data=BODY, headers={"Origin": ORIGIN, "Content-Type": "application/json"}
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                pytest.fail("the relay did not come up")
            time.sleep(0.1)


def test_a_bad_spool_dsn_exits_2(capsys):
    """A spool DSN that names no outbox stops the command before anything starts."""
    argv = ["relay", "--tracker-key", KEY, "--allow-origin", ORIGIN, "--spool", "/no/scheme"]
    assert main(argv) == 2
    assert "outbox" in capsys.readouterr().err
