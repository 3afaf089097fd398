"""Starting the test worker (tests/server/worker.py) and `xo-web sender` as processes."""

from __future__ import annotations

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
    )


def spawn_sender(outbox: str, *args: str) -> subprocess.Popen[str]:
    """Start `xo-web sender --outbox DSN ARGS` (the command line's own delivering process)."""
    code = "import sys; from xo_web.bundler.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, "sender", "--outbox", outbox, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def acknowledged(output: str) -> set[int]:
    """The activity numbers a worker printed (each printed once its send returned)."""
    return {int(line) for line in output.split() if line.strip().isdigit()}
