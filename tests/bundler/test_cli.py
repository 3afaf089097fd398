"""The ``xo-web`` command line: --version, one-line errors with exit code 2, no-Node builds."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

import xo_web
from tests.conftest import REPO_CACHE, repo_bundle_inputs
from xo_web.bundler import bundle as bundle_module
from xo_web.bundler import cli


@pytest.fixture(scope="module", autouse=True)
def warm_cache() -> None:
    """The checkout's cache holds every pinned input (what `make setup` fetches)."""
    repo_bundle_inputs()


def build(out: Path, *extra: str) -> int:
    """Run ``xo-web build OUT --offline`` over the checkout's cache; return the exit code."""
    return cli.main(["build", str(out), "--offline", "--cache", str(REPO_CACHE.root), *extra])


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`xo-web --version` says which xo_web is installed."""
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"xo-web {xo_web.__version__}"


def test_a_folder_that_is_not_a_bundle_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A non-empty foreign folder gives exit code 2 and one line on stderr, and is kept."""
    (tmp_path / "precious.txt").write_text("keep me")
    assert build(tmp_path) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("xo-web: ")
    assert "refusing" in line
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_a_full_disk_is_one_line_and_the_old_bundle_stays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while writing says so in one line, exits 2, and leaves the old bundle as it was."""
    out = tmp_path / "xo"
    out.mkdir()
    (out / "bundle.json").write_text('{"old": true}')

    def full(_: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "xo.js")

    monkeypatch.setattr(bundle_module, "_write_loader", full)
    assert build(out, "--no-compile") == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == "xo-web: no space left on the device (xo.js)"
    assert [p.name for p in tmp_path.iterdir()] == ["xo"]
    assert [p.name for p in out.iterdir()] == ["bundle.json"]


def test_without_node_the_build_ships_sources_and_says_so_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No node on PATH: sources are shipped, and one notice says they compile in the browser."""
    monkeypatch.setattr("xo_web.bundler.cli.shutil.which", lambda _: None)
    assert build(tmp_path / "xo") == 0
    err = capsys.readouterr().err
    assert err.count("Node.js not found") == 1
    assert "compiled in the browser at import" in err
    assert json.loads((tmp_path / "xo" / "bundle.json").read_text())["byte_compiled"] is False


def test_a_rebuild_swaps_the_new_bundle_in_and_leaves_no_scratch(tmp_path: Path) -> None:
    """Building over an existing bundle replaces it whole; nothing else is left beside it."""
    out = tmp_path / "xo"
    assert build(out, "--no-compile") == 0
    (out / "stale.txt").write_text("from an older build")
    assert build(out, "--no-compile") == 0
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["xo"]
    assert out.stat().st_mode & 0o755 == 0o755  # readable by a web server, like a mkdir


def test_a_conflicting_pyscript_config_stops_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--pyscript-config overriding the interpreter is exit code 2, naming the key."""
    config = tmp_path / "pyscript.json"
    config.write_text('{"interpreter": "https://cdn.example/pyodide.mjs"}')
    assert build(tmp_path / "xo", "--pyscript-config", str(config)) == 2
    assert "'interpreter'" in capsys.readouterr().err
    assert not (tmp_path / "xo").exists()
