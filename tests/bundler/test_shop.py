"""The shop's own wheels: platform tags, metadata for the lock, resolution with pip offline."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from xo_web.bundler.errors import WheelTagError
from xo_web.bundler.shop import check_tags, read_wheel, resolve_shop_wheels, wheel_platforms


def make_wheel(
    folder: Path,
    file_name: str,
    *,
    requires: tuple[str, ...] = (),
    files: tuple[str, ...] = ("shoplib/__init__.py",),
    top_level: str | None = None,
) -> Path:
    """Write a minimal wheel named ``file_name`` holding ``files`` and METADATA."""
    name, version = file_name.split("-")[:2]
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {line}\n" for line in requires)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    with zipfile.ZipFile(path, "w") as archive:
        for file in files:
            archive.writestr(file, "VALUE = 1\n")
        archive.writestr(f"{info}/METADATA", metadata)
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        if top_level is not None:
            archive.writestr(f"{info}/top_level.txt", top_level)
        archive.writestr(f"{info}/RECORD", "")
    return path


@pytest.mark.parametrize(
    "file_name",
    [
        "shoplib-1.0-py3-none-any.whl",
        "fastlib-2.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl",
        "multi-1.0-py2.py3-none-any.whl",
    ],
)
def test_pure_and_pyodide_wheels_are_accepted(file_name: str) -> None:
    """A pure wheel or one built for pyemscripten_2026_0_wasm32 may join the bundle."""
    check_tags(Path(file_name))


def test_a_native_wheel_is_refused_naming_its_package() -> None:
    """A manylinux wheel cannot run in the browser: the error names the package and why."""
    with pytest.raises(WheelTagError, match=r"^numpy: .*manylinux.*pyemscripten_2026_0_wasm32"):
        check_tags(Path("numpy-2.0.0-cp314-cp314-manylinux_2_28_x86_64.whl"))


def test_compressed_tag_sets_are_split() -> None:
    """A wheel name with several platforms lists each one."""
    assert wheel_platforms("a-1-cp3-abi3-macosx_11_0_arm64.macosx_10_9_x86_64.whl") == {
        "macosx_11_0_arm64",
        "macosx_10_9_x86_64",
    }


def test_read_wheel_gives_what_the_lock_entry_needs(tmp_path: Path) -> None:
    """Name (canonical), version, imports from top_level.txt, and requirements without extras."""
    wheel = make_wheel(
        tmp_path,
        "Shop_Lib-1.2-py3-none-any.whl",
        requires=("attrs>=22", "Rich; extra == 'cli'", "typing_extensions"),
        top_level="shoplib\n",
    )
    read = read_wheel(wheel)
    assert (read.name, read.version, read.imports) == ("shop-lib", "1.2", ("shoplib",))
    assert read.requires == ("attrs", "typing-extensions")
    assert len(read.sha256) == 64


def test_imports_come_from_the_file_list_without_top_level(tmp_path: Path) -> None:
    """Without top_level.txt, packages and top-level modules are the import names."""
    files = ("pkg/__init__.py", "single.py", "shop-1.0.data/scripts/x")
    wheel = make_wheel(tmp_path, "shop-1.0-py3-none-any.whl", files=files)
    assert read_wheel(wheel).imports == ("pkg", "single")


def test_local_wheels_resolve_offline_into_the_shop_cache(tmp_path: Path) -> None:
    """--wheel files resolve with pip from local folders alone and are kept in the cache."""
    index = tmp_path / "index"
    make_wheel(index, "helper-0.1-py3-none-any.whl", files=("helper/__init__.py",))
    wheel = make_wheel(tmp_path / "dist", "shoplib-1.0-py3-none-any.whl", requires=("helper",))
    shop_cache = tmp_path / "shop"
    found = resolve_shop_wheels(
        [], [wheel], shop_cache=shop_cache, pinned_cache=index, offline=True
    )
    assert sorted(w.name for w in found) == ["helper", "shoplib"]
    assert {w.path.parent for w in found} == {shop_cache}


def test_a_native_local_wheel_is_refused_before_pip_runs(tmp_path: Path) -> None:
    """--wheel with a native wheel stops at once, naming the package."""
    wheel = make_wheel(tmp_path, "native-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")
    with pytest.raises(WheelTagError, match=r"^native: "):
        resolve_shop_wheels([], [wheel], shop_cache=tmp_path / "s", pinned_cache=tmp_path)
