"""Merging the shop's PyScript settings into the bundle's pyscript.json, conflicts refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from xo_web.bundler.errors import ConfigMergeError
from xo_web.bundler.pyscript_config import base_config, load_config, merge_config

OURS = base_config("/xo/", ["xo_web", "six"])
SERVED = ["xo_web", "six", "pydantic"]


def test_toml_and_json_configs_load_alike(tmp_path: Path) -> None:
    """A pyscript.toml and a pyscript.json with the same settings load the same table."""
    (tmp_path / "a.toml").write_text('packages = ["six"]\n[files]\n"/data.json" = "./data.json"\n')
    json = '{"packages": ["six"], "files": {"/data.json": "./data.json"}}'
    (tmp_path / "a.json").write_text(json)
    assert load_config(tmp_path / "a.toml") == load_config(tmp_path / "a.json")


def test_a_broken_config_file_is_one_clear_error(tmp_path: Path) -> None:
    """Invalid JSON, a non-table and a missing file are ConfigMergeErrors naming the file."""
    (tmp_path / "bad.json").write_text("{")
    (tmp_path / "list.json").write_text("[]")
    for name in ("bad.json", "list.json", "missing.json"):
        with pytest.raises(ConfigMergeError, match=name):
            load_config(tmp_path / name)


def test_files_js_modules_and_packages_are_added() -> None:
    """The shop's files, js_modules and packages join the bundle's own settings."""
    theirs = {
        "files": {"/data.json": "./data.json"},
        "js_modules": {"main": {"/shop.js": "shop"}},
        "packages": ["pydantic", "six"],
    }
    merged = merge_config(OURS, theirs, SERVED)
    assert merged["files"] == {"/data.json": "./data.json"}
    assert merged["js_modules"] == {"main": {"/shop.js": "shop"}}
    assert merged["packages"] == ["xo_web", "six", "pydantic"]
    assert merged["interpreter"] == "/xo/pyodide/pyodide.mjs"


def test_a_conflicting_key_is_an_error_not_an_overwrite() -> None:
    """A shop interpreter different from the bundled one names the key and both values."""
    with pytest.raises(ConfigMergeError, match="'interpreter'"):
        merge_config(OURS, {"interpreter": "https://cdn.example/pyodide.mjs"}, SERVED)


def test_nested_tables_conflict_on_the_leaf_only() -> None:
    """Two js_modules tables merge, and a module mapped twice differently is refused."""
    ours = {**OURS, "js_modules": {"main": {"/a.js": "a"}}}
    same = merge_config(ours, {"js_modules": {"main": {"/a.js": "a", "/b.js": "b"}}}, SERVED)
    assert same["js_modules"] == {"main": {"/a.js": "a", "/b.js": "b"}}
    with pytest.raises(ConfigMergeError, match=r"js_modules\.main\./a\.js"):
        merge_config(ours, {"js_modules": {"main": {"/a.js": "other"}}}, SERVED)


def test_a_package_the_bundle_does_not_serve_is_refused() -> None:
    """A package outside the bundle would load from elsewhere: the error says how to add it."""
    with pytest.raises(ConfigMergeError, match="--requirement"):
        merge_config(OURS, {"packages": ["numpy"]}, SERVED)
