"""Host-only: ``xo-web build``, which writes the self-contained static browser bundle.

Layout of the bundle directory::

    xo.js               loader for plain JavaScript pages
    pyscript.json       PyScript config: bundled interpreter, ``packages: ["xo_web"]``
    pyscript/           @pyscript/core from npm
    pyodide/            the Pyodide runtime from npm, the wheels, and a lock listing them
    bundle.json         what was built: versions, files, the shop's wheels with their sha256
    *.br, *.gz          precompressed copies beside the files they pay for (``compress.py``)

The bundle is written into a temporary folder beside ``out`` and swapped in only when complete,
so a failed build (no network, a hash mismatch, a full disk) leaves ``out`` as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xo_web import __version__
from xo_web.bundler.boot_modules import BOOT_MODULES
from xo_web.bundler.compress import compress_tree
from xo_web.bundler.errors import BundleError
from xo_web.bundler.pins import (
    BROWSER_WHEELS,
    PYODIDE_VERSION,
    PYSCRIPT_VERSION,
    XO_WEB_BOOT_DEPENDS,
)
from xo_web.bundler.pycompile import compile_wheels
from xo_web.bundler.pyscript_config import base_config, merge_config
from xo_web.bundler.shop import ShopWheel
from xo_web.bundler.wheels import build_xo_web_wheel, sha256_of, verified_wheels
from xo_web.core import keys
from xo_web.core.config import DEFAULT_TIMEOUT_S
from xo_web.core.cookie import COOKIE_MAX_AGE_S
from xo_web.delivery.dispatch import KEEPALIVE_LIMIT_BYTES
from xo_web.delivery.flights import LEASE_MARGIN_S
from xo_web.delivery.unload import UNLOAD_CHUNK_BYTES
from xo_web.facade.names import ACTIVITY_METHODS, QUEUEABLE_JS_NAMES, loader_template

PYODIDE_RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
BROWSER_PACKAGES = ("xo_web",)
_MARKER = "bundle.json"


__all__ = ["BundleError", "BundleInputs", "build_bundle", "normalise_base_url"]


@dataclass(frozen=True)
class BundleInputs:
    """Where the build reads from: a node_modules holding ``pyodide`` and ``@pyscript/core``
    (npm's, or the one ``xo_web.bundler.cache`` extracts), and the pinned wheels."""

    node_modules: Path
    wheel_cache: Path

    @property
    def compiled_cache(self) -> Path:
        """Where byte-compiled wheels are cached, beside the downloaded ones."""
        return self.wheel_cache.parent / "wheels-compiled"

    @property
    def compressed_cache(self) -> Path:
        """Where the precompressed copies are cached, by the sha256 of what they compress."""
        return self.wheel_cache.parent / "compressed"


def normalise_base_url(base_url: str) -> str:
    """Return the bundle's URL path with one leading and one trailing slash."""
    if "://" in base_url or base_url.startswith("//"):
        raise BundleError(f"--base-url must be a path such as /xo/, not {base_url!r}")
    return "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"


def _check_output(out: Path) -> None:
    if out.is_file() or (out.is_dir() and any(out.iterdir()) and not (out / _MARKER).is_file()):
        raise BundleError(f"{out} is not empty and is not an xo_web bundle; refusing to clear it")


@contextmanager
def _swapped_in(out: Path) -> Iterator[Path]:
    """Yield a fresh folder beside ``out``; on success it replaces ``out``, else it goes."""
    _check_output(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    scratch.chmod(0o777 & ~umask)  # mkdtemp's 0700 would hide the bundle from the web server
    try:
        yield scratch
        old = out.with_name(f".{out.name}.old-{scratch.name.rsplit('-', 1)[-1]}")
        if out.exists():
            out.replace(old)
        scratch.replace(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _lock_entry(
    name: str,
    version: str,
    file_name: str,
    sha256: str,
    imports: tuple[str, ...],
    depends: tuple[str, ...],
) -> dict[str, object]:
    return {
        "name": name,
        "version": version,
        "file_name": file_name,
        "install_dir": "site",
        "sha256": sha256,
        "package_type": "package",
        "imports": list(imports),
        "depends": list(depends),
        "unvendored_tests": False,
        "shared_library": False,
    }


def _write_lock(runtime: Path, stock_lock: Path, xo_wheel: Path, shop: Sequence[ShopWheel]) -> None:
    """Rewrite Pyodide's lock so it lists only the wheels served from ``runtime``.

    Each entry carries the sha256 of the file actually served (byte-compiled or not), which
    is what Pyodide's loader checks.
    """
    stock = json.loads(stock_lock.read_text())
    names = {wheel.name for wheel in shop}
    packages = {
        pin.name: _lock_entry(
            pin.name,
            pin.version,
            pin.file_name,
            sha256_of(runtime / pin.file_name),
            pin.imports,
            pin.depends,
        )
        for pin in BROWSER_WHEELS
    }
    # Pyodide looks packages up by their canonical (PEP 503) name: "xo_web" is "xo-web".
    packages["xo-web"] = _lock_entry(
        "xo-web", __version__, xo_wheel.name, sha256_of(xo_wheel), ("xo_web",), XO_WEB_BOOT_DEPENDS
    )
    for wheel in shop:
        served = runtime / wheel.path.name
        depends = tuple(name for name in wheel.requires if name in packages or name in names)
        packages[wheel.name] = _lock_entry(
            wheel.name, wheel.version, served.name, sha256_of(served), wheel.imports, depends
        )
    lock = {"info": stock["info"], "packages": packages}
    (runtime / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))


def _write_loader(out: Path) -> None:
    template = loader_template()
    getters = [m.js for m in ACTIVITY_METHODS if m.kind == "getter"]
    loader = (
        template.replace("__XO_QUEUEABLE__", json.dumps(list(QUEUEABLE_JS_NAMES)))
        .replace("__XO_GETTERS__", json.dumps(getters))
        .replace("__XO_PACKAGES__", json.dumps(list(BROWSER_PACKAGES)))
        .replace("__XO_BOOT_MODULES__", json.dumps(list(BOOT_MODULES)))
        .replace("__XO_KEYS__", json.dumps(_storage_keys()))
        .replace("__XO_UNLOAD__", json.dumps(_unload_limits()))
    )
    (out / "xo.js").write_text(loader)


def _storage_keys() -> dict[str, str]:
    """The storage names the worker bridge in ``xo.js`` uses, from the one place they live."""
    return {
        "prefix": keys.KEY_PREFIX,
        "outbox": keys.OUTBOX_ENTRY_PREFIX,
        "pending": keys.PENDING_CALLS_PREFIX,
        "pause": keys.PAUSE_STORAGE_KEY,
        "optOut": keys.OPT_OUT_STORAGE_KEY,
        "session": keys.SESSION_STORAGE_KEY,
        "cookieMaxAge": str(COOKIE_MAX_AGE_S),
    }


def _unload_limits() -> dict[str, float]:
    """The page-hide flush's limits, for the worker bridge's copy of it in ``xo.js``."""
    lease_s = DEFAULT_TIMEOUT_S + LEASE_MARGIN_S
    return {"chunk": UNLOAD_CHUNK_BYTES, "budget": KEEPALIVE_LIMIT_BYTES, "leaseS": lease_s}


def pyscript_config(base_url: str) -> dict[str, object]:
    """Return the PyScript config: the bundled interpreter (page-relative) and xo_web."""
    return base_config(base_url, BROWSER_PACKAGES)


def _copy_wheels(
    wheels: list[Path], shop: list[Path], runtime: Path, inputs: BundleInputs, compile: bool
) -> Path:
    """Put the wheels into ``runtime`` (byte-compiled or as they are); return xo_web's."""
    with tempfile.TemporaryDirectory() as scratch:
        xo_source = build_xo_web_wheel(Path(scratch))
        if not compile:
            for wheel in [*wheels, *shop, xo_source]:
                shutil.copy2(wheel, runtime / wheel.name)
            return runtime / xo_source.name
        options = {"pyodide_dir": inputs.node_modules / "pyodide", "cache": inputs.compiled_cache}
        compile_wheels(wheels, runtime, sourceless=True, **options)
        # xo_web and the shop's code keep their sources beside the bytecode, for tracebacks.
        [xo_wheel, *_] = compile_wheels([xo_source, *shop], runtime, sourceless=False, **options)
        return xo_wheel


def build_bundle(
    out: Path,
    inputs: BundleInputs,
    base_url: str = "/xo/",
    *,
    byte_compile: bool = True,
    compress: bool = True,
    shop_wheels: Sequence[ShopWheel] = (),
    pyscript_settings: Mapping[str, Any] | None = None,
) -> Path:
    """Write the static bundle into ``out`` and return it.

    With ``byte_compile`` (the default) the wheels are byte-compiled for Pyodide's Python
    (see ``xo_web.bundler.pycompile``), which makes importing them in the browser about twice
    as fast. With ``compress`` (the default) every file a copy pays for gets ``.br`` and ``.gz``
    beside it (see ``xo_web.bundler.compress``). ``shop_wheels`` (see ``xo_web.bundler.shop``)
    are served and listed beside xo_web's; ``pyscript_settings`` are merged into
    ``pyscript.json``.
    """
    base_url = normalise_base_url(base_url)
    pyodide_src = inputs.node_modules / "pyodide"
    pyscript_src = inputs.node_modules / "@pyscript" / "core" / "dist"
    for required in (pyodide_src / "pyodide-lock.json", pyscript_src / "core.js"):
        if not required.is_file():
            raise BundleError(f"{required} is missing: run `xo-web fetch` (or `npm ci`)")
    wheels = verified_wheels(inputs.wheel_cache)
    names = [*BROWSER_PACKAGES, *(wheel.name for wheel in shop_wheels)]
    config = base_config(base_url, names)
    if pyscript_settings:
        served = [pin.name for pin in BROWSER_WHEELS] + names
        config = merge_config(config, pyscript_settings, served)

    with _swapped_in(out) as scratch:
        runtime = scratch / "pyodide"
        runtime.mkdir()
        for name in PYODIDE_RUNTIME_FILES:
            shutil.copy2(pyodide_src / name, runtime / name)
        shop = [wheel.path for wheel in shop_wheels]
        xo_wheel = _copy_wheels(wheels, shop, runtime, inputs, byte_compile)
        _write_lock(runtime, pyodide_src / "pyodide-lock.json", xo_wheel, shop_wheels)
        shutil.copytree(pyscript_src, scratch / "pyscript", ignore=shutil.ignore_patterns("*.map"))
        (scratch / "pyscript.json").write_text(json.dumps(config, indent=2) + "\n")
        _write_loader(scratch)
        manifest = {
            "xo_web": __version__,
            "pyodide": PYODIDE_VERSION,
            "pyscript": PYSCRIPT_VERSION,
            "base_url": base_url,
            "byte_compiled": byte_compile,
            "precompressed": compress,
            "wheels": sorted(p.name for p in runtime.glob("*.whl")),
            "worker": True,  # xo.js data-worker, PyScript worker scripts (docs/pages.md)
            "shop": [
                {"name": w.name, "version": w.version, "file": w.path.name, "sha256": w.sha256}
                for w in shop_wheels
            ],
        }
        (scratch / _MARKER).write_text(json.dumps(manifest, indent=2) + "\n")
        if compress:
            compress_tree(scratch, inputs.compressed_cache)
    return out
