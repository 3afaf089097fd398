"""The per-user cache: where it is, and filling it offline from local copies of the pins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_CACHE, repo_bundle_inputs
from xo_web.bundler.cache import ENV_VAR, Cache, default_root
from xo_web.bundler.errors import FetchError, IntegrityError
from xo_web.bundler.pins import NPM_PACKAGES, PYODIDE_NPM


def test_the_environment_variable_moves_the_cache(tmp_path: Path) -> None:
    """XO_WEB_CACHE wins over the platform's user cache folder."""
    assert default_root({ENV_VAR: str(tmp_path)}) == tmp_path


def test_the_default_is_the_platform_user_cache_folder() -> None:
    """Without XO_WEB_CACHE the cache is the user cache folder, named for xo-web."""
    assert default_root({}).name == "xo-web"


def test_an_explicit_cache_wins_over_the_environment(tmp_path: Path) -> None:
    """--cache DIR is used as given (resolved), whatever XO_WEB_CACHE says."""
    cache = Cache.locate(tmp_path / "here", env={ENV_VAR: str(tmp_path / "there")})
    assert cache.root == (tmp_path / "here").resolve()


def test_offline_with_an_empty_cache_names_the_fix(tmp_path: Path) -> None:
    """--offline on an empty cache fails in one line that says to run `xo-web fetch`."""
    with pytest.raises(FetchError, match="xo-web fetch") as caught:
        Cache(tmp_path).fill(offline=True)
    assert "\n" not in str(caught.value)


@pytest.fixture
def seeded(tmp_path: Path) -> Cache:
    """A cache holding copies of the checkout cache's tarballs and wheels, not extracted."""
    repo_bundle_inputs()  # make sure the checkout's cache is warm
    cache = Cache(tmp_path / "cache")
    for pin in NPM_PACKAGES:
        cache.tarball(pin).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_CACHE.tarball(pin), cache.tarball(pin))
    shutil.copytree(REPO_CACHE.wheels, cache.wheels)
    return cache


def test_offline_fill_extracts_the_verified_tarballs(seeded: Cache) -> None:
    """From tarballs alone, --offline extracts pyodide and PyScript where the build reads."""
    inputs = seeded.fill(offline=True)
    assert (inputs.node_modules / "pyodide" / "pyodide.asm.wasm").is_file()
    assert (inputs.node_modules / "@pyscript" / "core" / "dist" / "core.js").is_file()
    assert inputs.wheel_cache == seeded.wheels


def test_offline_fill_refuses_an_altered_tarball(seeded: Cache) -> None:
    """A cached tarball that no longer matches its sha512 stops an offline build."""
    seeded.tarball(PYODIDE_NPM).write_bytes(b"tampered")
    with pytest.raises(IntegrityError, match="sha512"):
        seeded.fill(offline=True)


def test_a_file_changed_in_the_extracted_tree_is_restored_from_the_tarball(
    seeded: Cache,
) -> None:
    """The extracted runtime is checked against its verified tarball, not trusted on its
    marker: an altered file is replaced by the tarball's before a build reads it."""
    inputs = seeded.fill(offline=True)
    loader = inputs.node_modules / "pyodide" / "pyodide.mjs"
    original = loader.read_bytes()
    loader.write_bytes(b"export const altered = true;")
    (inputs.node_modules / "pyodide" / "extra.js").write_text("added")
    seeded.fill(offline=True)
    assert loader.read_bytes() == original
    assert not (inputs.node_modules / "pyodide" / "extra.js").exists()
