"""HTML pages the browser tests serve: a plain JS page with xo.js and PyScript pages."""

from __future__ import annotations

import html

from tests.browser.conftest import BUNDLE_PREFIX

STRICT_CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self' 'wasm-unsafe-eval'; "
    "connect-src 'self' https://collect-eu.attraqt.io"
)

HEAD = "<!doctype html><html><head><meta charset='utf-8'><link rel='icon' href='data:,'>"


def js_page(
    before: str = "", *, tracker_key: str | None = "test-key", extra_attrs: str = ""
) -> str:
    """A page that runs the inline script ``before`` (if any), then loads xo.js (async)."""
    key = f' data-tracker-key="{html.escape(tracker_key)}"' if tracker_key else ""
    if "</script" in before.lower():
        raise ValueError("the inline script must not contain </script")
    inline = f"<script>{before}</script>" if before else ""
    return (
        f"{HEAD}<title>xo_web test</title>{inline}"
        f'<script src="{BUNDLE_PREFIX}xo.js"{key} {extra_attrs} async></script>'
        "</head><body></body></html>"
    )


def pyscript_page(python: str, *, legacy_tag: bool = False, head: str = "") -> str:
    """A PyScript page running ``python`` with the bundle's pyscript.json (``head`` first)."""
    config = f"{BUNDLE_PREFIX}pyscript.json"
    if "</script" in python.lower():
        raise ValueError("the Python code must not contain </script")
    tag = (  # a <script> body is raw text; a <py-script> body is HTML and needs escaping
        f'<py-script config="{config}">{html.escape(python)}</py-script>'
        if legacy_tag
        else f'<script type="py" config="{config}">{python}</script>'
    )
    return (
        f"{HEAD}<title>xo_web pyscript</title>{head}"
        f'<script type="module" src="{BUNDLE_PREFIX}pyscript/core.js"></script>'
        f"</head><body>{tag}</body></html>"
    )
