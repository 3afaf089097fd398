"""The Starlette recipe (BundleFiles): precompressed copies, their headers and caching."""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from xo_web.bundler.compress import compress_tree
from xo_web.bundler.static import IMMUTABLE, REVALIDATE, BundleFiles, accepted_codings

WASM = b"\0asm" + bytes(range(256)) * 200


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A tiny bundle with a wasm, a module and an archive, compressed as the build does."""
    (tmp_path / "pyodide").mkdir()
    (tmp_path / "pyodide" / "pyodide.asm.wasm").write_bytes(WASM)
    (tmp_path / "pyodide" / "pyodide.mjs").write_text("export const a = 1;\n" * 200)
    (tmp_path / "pyodide" / "x.whl").write_bytes(b"PK" + bytes(range(256)))
    compress_tree(tmp_path)
    return tmp_path


def _client(bundle: Path, immutable: bool = True) -> TestClient:
    app = Starlette(routes=[Mount("/xo", app=BundleFiles(directory=bundle, immutable=immutable))])
    return TestClient(app)


def _get(client: TestClient, path: str, encoding: str) -> tuple[dict[str, str], bytes]:
    """Return the headers and the body as sent (not decoded by the client)."""
    with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as response:
        assert response.status_code == 200
        return dict(response.headers), b"".join(response.iter_raw())


def test_a_browser_accepting_brotli_gets_the_br_copy_as_application_wasm(bundle: Path) -> None:
    """The wasm goes out brotli-encoded, typed application/wasm, varying on Accept-Encoding."""
    headers, body = _get(_client(bundle), "/xo/pyodide/pyodide.asm.wasm", "gzip, deflate, br")
    assert headers["content-encoding"] == "br"
    assert headers["content-type"] == "application/wasm"
    assert headers["vary"] == "Accept-Encoding"
    assert brotli.decompress(body) == WASM


def test_a_browser_accepting_only_gzip_gets_the_gz_copy(bundle: Path) -> None:
    """gzip is the fallback coding, with the module's own type."""
    headers, body = _get(_client(bundle), "/xo/pyodide/pyodide.mjs", "gzip")
    assert headers["content-encoding"] == "gzip"
    assert headers["content-type"].startswith("text/javascript")
    assert gzip.decompress(body) == (bundle / "pyodide" / "pyodide.mjs").read_bytes()


def test_a_client_refusing_codings_gets_the_file_itself(bundle: Path) -> None:
    """No accepted coding (or q=0) means the plain file, still with Vary."""
    headers, body = _get(_client(bundle), "/xo/pyodide/pyodide.asm.wasm", "br;q=0, identity")
    assert "content-encoding" not in headers
    assert headers["vary"] == "Accept-Encoding"
    assert body == WASM


def test_a_file_without_copies_is_served_as_it_is(bundle: Path) -> None:
    """An archive the build did not compress goes out unencoded even when br is accepted."""
    headers, body = _get(_client(bundle), "/xo/pyodide/x.whl", "br, gzip")
    assert "content-encoding" not in headers
    assert body == (bundle / "pyodide" / "x.whl").read_bytes()


def test_cache_control_is_immutable_by_default_and_no_cache_when_asked(bundle: Path) -> None:
    """A per-build path is cached for good; a fixed path is revalidated."""
    path = "/xo/pyodide/pyodide.mjs"
    assert _get(_client(bundle), path, "br")[0]["cache-control"] == IMMUTABLE
    assert _get(_client(bundle, immutable=False), path, "br")[0]["cache-control"] == REVALIDATE


def test_revalidating_the_compressed_copy_answers_304(bundle: Path) -> None:
    """The ETag is the copy's own, and sending it back gets 304 with the caching headers."""
    client = _client(bundle, immutable=False)
    headers, _ = _get(client, "/xo/pyodide/pyodide.asm.wasm", "br")
    again = client.get(
        "/xo/pyodide/pyodide.asm.wasm",
        headers={"Accept-Encoding": "br", "If-None-Match": headers["etag"]},
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == REVALIDATE
    plain, _ = _get(client, "/xo/pyodide/pyodide.asm.wasm", "identity")
    assert plain["etag"] != headers["etag"]


def test_accepted_codings_reads_q_values() -> None:
    """Codings with q=0 are refused; others are accepted, case-insensitively."""
    assert accepted_codings("gzip;q=1.0, BR, deflate;q=0") == {"gzip", "br"}
    assert accepted_codings("") == set()
