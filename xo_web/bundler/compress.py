"""Host-only: the bundle's precompressed copies (``.br`` and ``.gz`` beside each file).

A server that finds ``name.br`` (or ``name.gz``) beside ``name`` and a browser that accepts
``br`` (or ``gzip``) sends the smaller copy with ``Content-Encoding`` and ``Vary:
Accept-Encoding`` (``xo_web.bundler.static`` for Starlette, WhiteNoise and nginx's
``gzip_static``/``brotli_static`` do it, docs/serving.md). Compressing once at build time lets
the copies use the slowest, smallest settings (brotli 11, gzip 9): Pyodide's wasm goes from
9.6 MB to 2.7 MB.

Which files: the text-like and wasm suffixes below, and any other file only where a copy
saves at least ``MIN_SAVING`` of it. Wheels and ``python_stdlib.zip`` are already deflated: a
copy would save 0-4 % (measured on the pinned wheels), so none is written and the server sends
them as they are; an archive whose gzip copy does not pay is not tried with brotli. Copies are
cached by the sha256 of their source (brotli 11 takes about 30 s for the wasm), so a rebuild of
the same runtime costs nothing.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli

from xo_web.bundler.wheels import sha256_of

COMPRESSIBLE_SUFFIXES = (".wasm", ".js", ".mjs", ".json", ".css", ".html", ".map", ".txt")
"""Always worth a try; a copy is still written only where it saves ``MIN_SAVING``."""
MAYBE_SUFFIXES = (".zip", ".whl", ".tar")
"""Archives: usually deflated already; measured per file."""
MIN_SAVING = 0.10
"""A copy that saves less than this fraction of the file is not written."""
MIN_SIZE = 1024
"""Files smaller than this are sent as they are (one packet either way)."""
ENCODINGS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": lambda raw: gzip.compress(raw, compresslevel=9, mtime=0),  # first: fast
    ".br": lambda raw: brotli.compress(raw, quality=11),
}

__all__ = ["COMPRESSIBLE_SUFFIXES", "MIN_SAVING", "candidates", "compress_tree"]


def candidates(root: Path) -> Iterator[Path]:
    """Yield the files under ``root`` that may get compressed copies."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in ENCODINGS or path.stat().st_size < MIN_SIZE:
            continue
        if path.suffix in COMPRESSIBLE_SUFFIXES or path.suffix in MAYBE_SUFFIXES:
            yield path


def _compressed(path: Path, suffix: str, cache: Path | None) -> bytes:
    """Return ``path``'s bytes compressed for ``suffix``, from ``cache`` when it has them."""
    cached = cache / f"{sha256_of(path)}{suffix}" if cache is not None else None
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    data = ENCODINGS[suffix](path.read_bytes())
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own per writer: two builds at once (the test suites) must not share it.
        handle, name = tempfile.mkstemp(dir=cached.parent, prefix=cached.name, suffix=".partial")
        with os.fdopen(handle, "wb") as partial:
            partial.write(data)
        Path(name).replace(cached)
    return data


def _write_copies(path: Path, cache: Path | None) -> list[Path]:
    written = []
    size = path.stat().st_size
    for suffix in ENCODINGS:
        data = _compressed(path, suffix, cache)
        if len(data) > size * (1 - MIN_SAVING):
            if path.suffix in MAYBE_SUFFIXES:
                break  # deflated already: brotli 11 (seconds per MB) would not pay either
            continue
        copy = path.with_name(path.name + suffix)
        copy.write_bytes(data)
        shutil.copystat(path, copy)  # same Last-Modified as the file it stands for
        written.append(copy)
    return written


def compress_tree(root: Path, cache: Path | None = None) -> list[Path]:
    """Write ``.br`` and ``.gz`` beside every file of ``root`` they pay for; return them."""
    files = list(candidates(root))
    with ThreadPoolExecutor(max_workers=2) as pool:  # brotli and zlib release the GIL
        batches = list(pool.map(lambda path: _write_copies(path, cache), files))
    return sorted(copy for batch in batches for copy in batch)
