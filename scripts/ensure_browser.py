"""Make sure Playwright has a Chromium to drive: the system one, its own, or a fresh install."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    """Print the browser that the tests will use, installing Playwright's own if none exists."""
    settings = runpy.run_path(str(ROOT / "playwright.config.py"))
    executable = settings["chromium_executable"]()
    if executable:
        print(f"browser: {executable}")
        return 0
    with sync_playwright() as playwright:
        bundled = Path(playwright.chromium.executable_path)
    if bundled.is_file():
        print(f"browser: {bundled} (Playwright's own)")
        return 0
    print("no Chromium found: installing Playwright's own (needs internet)")
    return subprocess.call([sys.executable, "-m", "playwright", "install", "chromium"])


if __name__ == "__main__":
    sys.exit(main())
