"""The bench pages: one ``BootPage`` entry per page, its file in ``pages/``, and when it runs.

Adding a page is one entry here and one HTML file in ``pages/``. A page with ``requires`` runs
only when the bundle's ``bundle.json`` has that key set to ``true`` (the worker pages, which
another change adds); otherwise the bench prints "not available" for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAGES_DIR = Path(__file__).resolve().parent / "pages"


@dataclass(frozen=True)
class BootPage:
    """A page whose boot the bench measures (heartbeat blocking and time to ready)."""

    name: str  # key in the JSON, and pages/<name>.html
    label: str  # row label in the table
    baseline: str | None = None  # the page its blocking is compared against
    requires: str | None = None  # bundle.json flag that must be true for the page to run
    isolated: bool = False  # served with COOP/COEP (cross-origin isolated)

    @property
    def file(self) -> str:
        """Return the page's file name in pages/."""
        return f"{self.name}.html"


# Run in this order each round: the pages compared with bare Pyodide right after it.
BOOT_PAGES: tuple[BootPage, ...] = (
    BootPage("bare", "bare loadPyodide()"),
    BootPage("xo", "xo.js default mode", baseline="bare"),
    BootPage("pyscript-bare", "bare PyScript (no packages)"),
    BootPage("pyscript", "PyScript main thread + xo_web", baseline="pyscript-bare"),
    BootPage("xo-worker", "xo.js worker mode", baseline="bare", requires="worker"),
    BootPage("pyscript-worker", "PyScript worker + xo_web", baseline="bare", requires="worker"),
    BootPage("reference", "official JS SDK"),
)

# The pages booted again under a plain static server (no Cache-Control, nothing compressed).
PLAIN_BOOT_PAGES = ("bare", "xo", "xo-worker")

# Pages of the per-call figure: (xo_web page, JS SDK page) for each way of answering fetch.
CALL_PAGES = {
    "stub": ("xo.html", "reference.html"),
    "sink": ("xo-sink.html", "reference.html?sink"),
    # xo.js worker mode: the page's share of send() (the worker fetches to the sink) next to
    # the JS SDK's own cost (fetch stubbed), the figure the target is set on.
    "worker": ("xo-worker-sink.html", "reference.html"),
}
STUBBED_MODES = ("stub", "worker")  # contexts whose pages get stub-fetch.js
SINK_MODES = ("sink", "worker")  # xo_web's requests reach the sink
BURST_PAGE = "xo-sink.html"

INIT_SCRIPTS = ("heartbeat.js", "bench.js")  # in every context, before any page script
STUB_FETCH_SCRIPT = "stub-fetch.js"  # in the contexts of the "own cost" figure only


def read_manifest(bundle: Path) -> dict[str, Any]:
    """Return the bundle's bundle.json (empty when missing or unreadable)."""
    try:
        manifest = json.loads((bundle / "bundle.json").read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def available(page: BootPage, manifest: dict[str, Any]) -> bool:
    """Return whether the bundle supports ``page`` (its ``requires`` flag is true)."""
    if page.requires is None:
        return True
    return manifest.get(page.requires) is True and (PAGES_DIR / page.file).is_file()


def isolated_files() -> set[str]:
    """Return the page files to serve cross-origin isolated."""
    return {page.file for page in BOOT_PAGES if page.isolated}
