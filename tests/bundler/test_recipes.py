"""The WhiteNoise recipe (Django, Flask, any WSGI app) serves the build's copies as documented."""

from __future__ import annotations

import io
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import brotli
from whitenoise import WhiteNoise

from xo_web.bundler.compress import compress_tree

WASM = b"\0asm" + bytes(range(256)) * 200
PREFIX = "/static/xo/2026-05-01/"


def _not_found(environ: dict[str, object], start_response: object) -> list[bytes]:
    raise AssertionError("the static file should have been served by WhiteNoise")


def _get(app: WhiteNoise, path: str, encoding: str) -> tuple[dict[str, str], bytes]:
    environ: dict[str, object] = {"PATH_INFO": path, "HTTP_ACCEPT_ENCODING": encoding}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO()
    seen: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        assert status.startswith("200"), status
        seen.update({name.lower(): value for name, value in headers})

    body = b"".join(app(environ, start_response))
    return seen, body


def test_whitenoise_serves_the_br_copy_with_the_documented_settings(tmp_path: Path) -> None:
    """docs/serving.md's WhiteNoise settings: br, application/wasm, Vary, immutable."""
    (tmp_path / "pyodide").mkdir()
    (tmp_path / "pyodide" / "pyodide.asm.wasm").write_bytes(WASM)
    compress_tree(tmp_path)
    app = WhiteNoise(
        _not_found,
        root=tmp_path,
        prefix=PREFIX,
        mimetypes={".wasm": "application/wasm", ".mjs": "text/javascript"},
        immutable_file_test=lambda path, url: url.startswith("/static/xo/"),
    )
    headers, body = _get(app, PREFIX + "pyodide/pyodide.asm.wasm", "gzip, br")
    assert headers["content-encoding"] == "br"
    assert headers["content-type"] == "application/wasm"
    assert "Accept-Encoding" in headers["vary"]
    assert "immutable" in headers["cache-control"]
    assert brotli.decompress(body) == WASM
