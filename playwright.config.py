"""Browser settings for the test suite and the benchmarks (loaded by tests/browser/conftest.py).

Which Chromium: ``XO_WEB_CHROMIUM`` if set; else Debian's ``/usr/bin/chromium`` (what CI installs
with apt); else Playwright's own browser when one is installed (a developer laptop), for which
``executable_path`` stays ``None``. ``XO_WEB_CHROMIUM_ARGS`` adds flags (space-separated), e.g.
``--enable-logging=stderr --v=1`` with ``DEBUG=pw:browser`` to see why a renderer crashed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SYSTEM_CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

# Without the networking flags Chromium keeps calling home, which this network refuses.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# A cold Pyodide boot takes about 5 s on two cores; leave room for a loaded CI machine.
BOOT_TIMEOUT_MS = int(os.environ.get("XO_WEB_BOOT_TIMEOUT_MS", "60000"))


def chromium_executable() -> str | None:
    """Return the Chromium binary to drive, or None to use Playwright's own browser."""
    override = os.environ.get("XO_WEB_CHROMIUM")
    if override:
        return override
    for candidate in SYSTEM_CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


def launch_options() -> dict[str, object]:
    """Return keyword arguments for ``playwright.chromium.launch``."""
    extra = os.environ.get("XO_WEB_CHROMIUM_ARGS", "").split()
    options: dict[str, object] = {"args": [*LAUNCH_ARGS, *extra]}
    executable = chromium_executable()
    if executable:
        options["executable_path"] = executable
    return options
