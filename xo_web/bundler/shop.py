"""Host-only: the shop's own pure-Python wheels in the bundle (``--requirement``, ``--wheel``).

pip resolves them for Pyodide (``--only-binary=:all: --platform pyemscripten_… --python-version
3.14``), constrained to the versions the bundle pins, so a shop's ``pydantic`` is xo_web's. Each
wheel must be pure Python or built for Pyodide's platform; it is pinned by its sha256, listed in
the bundle's lock (name, version, imports, depends) and kept in the cache's ``shop/`` folder,
where ``--offline`` finds it again.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

from xo_web.bundler.errors import BundleError, WheelTagError
from xo_web.bundler.pins import (
    BROWSER_WHEELS,
    EMSCRIPTEN_PLATFORM,
    PYODIDE_PYTHON,
    XO_WEB_DEPENDS,
)
from xo_web.bundler.wheels import pip_download, sha256_of

_BUNDLED = {pin.name for pin in BROWSER_WHEELS} | {"xo-web"}
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    """Return the PEP 503 normalised form of a distribution name (``Foo_Bar`` → ``foo-bar``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class ShopWheel:
    """One of the shop's wheels, with what its lock entry and bundle.json need."""

    path: Path
    name: str
    version: str
    sha256: str
    imports: tuple[str, ...]
    requires: tuple[str, ...]  # canonical names of its unconditional Requires-Dist


def wheel_platforms(file_name: str) -> set[str]:
    """Return the platform tags of a wheel file name (``any`` for a pure wheel)."""
    if not file_name.endswith(".whl") or file_name.count("-") < 4:
        raise WheelTagError(f"{file_name} is not a wheel file name")
    return set(file_name[: -len(".whl")].split("-")[-1].split("."))


def check_tags(path: Path) -> None:
    """Refuse a wheel that is neither pure Python nor built for Pyodide, naming its package."""
    platforms = wheel_platforms(path.name)
    if platforms & {"any", EMSCRIPTEN_PLATFORM}:
        return
    package = path.name.split("-", 1)[0]
    raise WheelTagError(
        f"{package}: {path.name} is built for {', '.join(sorted(platforms))}, and the browser "
        f"loads only pure-Python or {EMSCRIPTEN_PLATFORM} wheels"
    )


def _imports(names: list[str]) -> tuple[str, ...]:
    """Return a wheel's top-level import names, from its file list."""
    tops = set()
    for name in names:
        first, folder, _ = name.partition("/")
        if first.endswith((".dist-info", ".data")):
            continue
        if folder and first.isidentifier():
            tops.add(first)
        elif not folder and first.endswith((".py", ".so")):
            tops.add(first.split(".", 1)[0])
    return tuple(sorted(tops))


def read_wheel(path: Path) -> ShopWheel:
    """Read a wheel's name, version, import names and requirements from its metadata."""
    check_tags(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        metadata_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        if metadata_name is None:
            raise BundleError(f"{path.name} has no METADATA: not a wheel")
        metadata = Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
        top_level = metadata_name.replace("METADATA", "top_level.txt")
        if top_level in names:
            imports = tuple(sorted(archive.read(top_level).decode().split()))
        else:
            imports = _imports(names)
    requires = []
    for line in metadata.get_all("Requires-Dist") or []:
        if ";" in line and "extra" in line.split(";", 1)[1]:
            continue
        match = _REQUIREMENT_NAME.match(line)
        if match:
            requires.append(canonical(match.group(1)))
    return ShopWheel(
        path, canonical(metadata["Name"]), metadata["Version"], sha256_of(path), imports,
        tuple(requires),
    )  # fmt: skip


def _constraints(folder: Path) -> Path:
    constraints = folder / "constraints.txt"
    lines = [f"{pin.name}=={pin.version}" for pin in BROWSER_WHEELS]
    constraints.write_text("\n".join(lines) + "\n")
    return constraints


def resolve_shop_wheels(
    requirements: Sequence[Path],
    wheels: Sequence[Path],
    *,
    shop_cache: Path,
    pinned_cache: Path,
    offline: bool = False,
) -> list[ShopWheel]:
    """Resolve the shop's requirements and wheels for Pyodide; return the wheels to add.

    Wheels the bundle already ships (pydantic and its kin, at the pinned versions) are left
    out; everything else is copied into ``shop_cache``.
    """
    for wheel in wheels:
        if not wheel.is_file():
            raise BundleError(f"--wheel {wheel}: no such file")
        check_tags(wheel)
    for requirement in requirements:
        if not requirement.is_file():
            raise BundleError(f"--requirement {requirement}: no such file")
    if not requirements and not wheels:
        return []
    shop_cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xo-web-shop-") as scratch:
        folder = Path(scratch)
        arguments = [
            "--only-binary=:all:", "--platform", EMSCRIPTEN_PLATFORM,
            "--python-version", PYODIDE_PYTHON, "--dest", str(folder / "wheels"),
            "-c", str(_constraints(folder)),
            "--find-links", str(shop_cache), "--find-links", str(pinned_cache),
        ]  # fmt: skip
        if offline:
            arguments.append("--no-index")
        for requirement in requirements:
            arguments += ["-r", str(requirement.resolve())]
        arguments += [str(wheel.resolve()) for wheel in wheels]
        pip_download(arguments, "the shop's requirements")
        found = []
        for path in sorted((folder / "wheels").glob("*.whl")):
            resolved = read_wheel(path)
            if resolved.name in _BUNDLED:
                continue
            kept = shop_cache / path.name
            if not kept.is_file() or sha256_of(kept) != resolved.sha256:
                shutil.copy2(path, kept)
            found.append(read_wheel(kept))
    return found


def bundled_names(shop: Sequence[ShopWheel]) -> set[str]:
    """Return every package name the bundle's lock will list, the shop's included."""
    return _BUNDLED | set(XO_WEB_DEPENDS) | {wheel.name for wheel in shop}
