"""The bundle's precompressed copies: written where they pay, cached, identical when decoded."""

from __future__ import annotations

import gzip
import os
import random
from pathlib import Path

import brotli

from xo_web.bundler.compress import compress_tree
from xo_web.bundler.wheels import sha256_of


def _tree(root: Path) -> Path:
    (root / "pyodide").mkdir(parents=True)
    (root / "pyodide" / "runtime.wasm").write_bytes(b"\0asm" + b"\x01\x02\x03" * 4000)
    (root / "xo.js").write_text("const x = 1;\n" * 500)
    noise = random.Random(7).randbytes(50_000)
    (root / "pyodide" / "deflated.whl").write_bytes(noise)
    (root / "small.json").write_text("{}")
    return root


def test_text_and_wasm_get_br_and_gz_that_decode_to_the_file(tmp_path: Path) -> None:
    """Each compressible file gets a .br and a .gz whose contents decode to the original."""
    root = _tree(tmp_path / "b")
    compress_tree(root)
    for name in ("pyodide/runtime.wasm", "xo.js"):
        raw = (root / name).read_bytes()
        assert brotli.decompress((root / f"{name}.br").read_bytes()) == raw
        assert gzip.decompress((root / f"{name}.gz").read_bytes()) == raw


def test_files_a_copy_would_not_shrink_get_none(tmp_path: Path) -> None:
    """An incompressible archive and a tiny file are served as they are: no copies."""
    root = _tree(tmp_path / "b")
    written = compress_tree(root)
    names = {path.name for path in written}
    assert not any(name.startswith(("deflated.whl.", "small.json.")) for name in names)
    assert "xo.js.br" in names


def test_copies_keep_the_modification_time_of_their_file(tmp_path: Path) -> None:
    """A copy's Last-Modified is its file's, so a server's validators agree across codings."""
    root = _tree(tmp_path / "b")
    os.utime(root / "xo.js", (1_000_000, 1_000_000))
    compress_tree(root)
    assert (root / "xo.js.br").stat().st_mtime == 1_000_000


def test_a_second_tree_with_the_same_files_reads_the_cache(tmp_path: Path) -> None:
    """Copies come from the cache by content: a cached copy is used, not recomputed."""
    cache = tmp_path / "cache"
    first = _tree(tmp_path / "one")
    compress_tree(first, cache)
    raw = (first / "xo.js").read_bytes()
    fast = brotli.compress(raw, quality=1)  # decodes the same, differs from quality 11's bytes
    assert fast != (first / "xo.js.br").read_bytes()
    (cache / f"{sha256_of(first / 'xo.js')}.br").write_bytes(fast)
    second = _tree(tmp_path / "two")
    compress_tree(second, cache)
    assert (second / "xo.js.br").read_bytes() == fast
