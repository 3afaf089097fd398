"""Tests of the compiled-wheel cache: reused only while its bytes match their recorded digest."""

from pathlib import Path

import pytest

from xo_web.bundler import pycompile
from xo_web.bundler.wheels import sha256_of


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Replace Node's compile with one that writes ``compiled:<source bytes>``; log each run."""
    runs: list[list[str]] = []

    def fake_run(_pyodide: Path, out: Path, _mode: str, wheels: list[Path]) -> None:
        runs.append([w.name for w in wheels])
        for wheel in wheels:
            (out / wheel.name).write_bytes(b"compiled:" + wheel.read_bytes())

    monkeypatch.setattr(pycompile, "_run", fake_run)
    return runs


def compile_one(tmp_path: Path, dest: str) -> Path:
    """Compile the one source wheel in ``tmp_path/src`` into ``tmp_path/dest``."""
    source = tmp_path / "src" / "demo-1.0-py3-none-any.whl"
    source.parent.mkdir(exist_ok=True)
    if not source.exists():
        source.write_bytes(b"wheel bytes")
    [out] = pycompile.compile_wheels(
        [source], tmp_path / dest, pyodide_dir=tmp_path, cache=tmp_path / "cache"
    )
    return out


def cached_copy(tmp_path: Path) -> Path:
    """The one compiled wheel in the cache."""
    [found] = (tmp_path / "cache").rglob("*.whl")
    return found


def test_a_compiled_wheel_is_reused_from_the_cache(tmp_path: Path, compiles: list[list[str]]):
    """A second build with the same source wheel compiles nothing and serves the same bytes."""
    first = compile_one(tmp_path, "one")
    second = compile_one(tmp_path, "two")
    assert len(compiles) == 1
    assert first.read_bytes() == second.read_bytes() == b"compiled:wheel bytes"


def test_a_cached_wheel_whose_bytes_changed_is_compiled_again(
    tmp_path: Path, compiles: list[list[str]]
):
    """A cached compiled wheel altered after it was made is never served: it is rebuilt."""
    compile_one(tmp_path, "one")
    cached_copy(tmp_path).write_bytes(b"tampered")
    served = compile_one(tmp_path, "two")
    assert len(compiles) == 2
    assert served.read_bytes() == b"compiled:wheel bytes"
    assert sha256_of(cached_copy(tmp_path)) == sha256_of(served)


def test_a_cached_wheel_without_its_digest_is_compiled_again(
    tmp_path: Path, compiles: list[list[str]]
):
    """A cached wheel with no recorded digest (an older cache, a partial write) is rebuilt."""
    compile_one(tmp_path, "one")
    cached = cached_copy(tmp_path)
    cached.with_name(cached.name + ".sha256").unlink()
    compile_one(tmp_path, "two")
    assert len(compiles) == 2
