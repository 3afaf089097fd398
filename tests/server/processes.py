"""Starting the test worker (tests/server/worker.py) and `xo-web sender` as processes.

Each starts in a session of its own, so `finish` can end it with everything it forked when a
test gives up on it: no process outlives its test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def spawn_worker(*args: str) -> subprocess.Popen[str]:
    """Start `python -m tests.server.worker ARGS` with its stdout piped (text lines)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.server.worker", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(process: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """Wait for the process's output; past `timeout`, kill its whole group and raise."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise


def kill_all(processes: list[subprocess.Popen[str]]) -> None:
    """SIGKILL every process group still running (a test's clean-up after a failure)."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def spawn_sender(outbox: str, *args: str) -> subprocess.Popen[str]:
    """Start `xo-web sender --outbox DSN ARGS` (the command line's own delivering process)."""
    code = "import sys; from xo_web.bundler.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, "sender", "--outbox", outbox, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def acknowledged(output: str) -> set[int]:
    """The activity numbers a worker printed (each printed once its send returned)."""
    return {int(line) for line in output.split() if line.strip().isdigit()}
