"""Host-only: ``xo-web build``, which writes the self-contained static browser bundle.

Layout of the bundle directory::

    xo.js               loader for plain JavaScript pages
    pyscript.json       PyScript config: bundled interpreter, ``packages: ["xo_web"]``
    pyscript/           @pyscript/core from npm
    pyodide/            the Pyodide runtime from npm, the wheels, and a lock listing them
    bundle.json         what was built: versions and files
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from xo_web import __version__
from xo_web.bundler.pins import BROWSER_WHEELS, PYODIDE_VERSION, PYSCRIPT_VERSION, XO_WEB_DEPENDS
from xo_web.bundler.pycompile import compile_wheels
from xo_web.bundler.wheels import build_xo_web_wheel, sha256_of, verified_wheels
from xo_web.facade.names import ACTIVITY_METHODS, LOADER_TEMPLATE, QUEUEABLE_JS_NAMES

PYODIDE_RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
BROWSER_PACKAGES = ("xo_web",)
_MARKER = "bundle.json"


class BundleError(RuntimeError):
    """The bundle cannot be built: a missing input or an unsafe output directory."""


@dataclass(frozen=True)
class BundleInputs:
    """Where the build reads from: npm's node_modules and the wheel cache."""

    node_modules: Path
    wheel_cache: Path

    @property
    def compiled_cache(self) -> Path:
        """Where byte-compiled wheels are cached, beside the downloaded ones."""
        return self.wheel_cache.parent / "wheels-compiled"


def normalise_base_url(base_url: str) -> str:
    """Return the bundle's URL path with one leading and one trailing slash."""
    if "://" in base_url or base_url.startswith("//"):
        raise BundleError(f"--base-url must be a path such as /xo/, not {base_url!r}")
    return "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"


def _prepare_output(out: Path) -> None:
    if out.exists():
        if any(out.iterdir()) and not (out / _MARKER).is_file():
            raise BundleError(
                f"{out} is not empty and is not an xo_web bundle; refusing to clear it"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)


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


def _write_lock(runtime: Path, stock_lock: Path, xo_wheel: Path) -> None:
    """Rewrite Pyodide's lock so it lists only the wheels served from ``runtime``.

    Each entry carries the sha256 of the file actually served (byte-compiled or not), which
    is what Pyodide's loader checks.
    """
    stock = json.loads(stock_lock.read_text())
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
        "xo-web", __version__, xo_wheel.name, sha256_of(xo_wheel), ("xo_web",), XO_WEB_DEPENDS
    )
    lock = {"info": stock["info"], "packages": packages}
    (runtime / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))


def _write_loader(out: Path) -> None:
    template = LOADER_TEMPLATE.read_text()
    getters = [m.js for m in ACTIVITY_METHODS if m.kind == "getter"]
    loader = (
        template.replace("__XO_QUEUEABLE__", json.dumps(list(QUEUEABLE_JS_NAMES)))
        .replace("__XO_GETTERS__", json.dumps(getters))
        .replace("__XO_PACKAGES__", json.dumps(list(BROWSER_PACKAGES)))
    )
    (out / "xo.js").write_text(loader)


def pyscript_config(base_url: str) -> dict[str, object]:
    """Return the PyScript config: the bundled interpreter (page-relative) and xo_web."""
    return {
        "interpreter": f"{base_url}pyodide/pyodide.mjs",
        "packages": list(BROWSER_PACKAGES),
        "packages_cache": "passthrough",
    }


def build_bundle(
    out: Path, inputs: BundleInputs, base_url: str = "/xo/", *, byte_compile: bool = True
) -> Path:
    """Write the static bundle into ``out`` and return it.

    With ``byte_compile`` (the default) the wheels are byte-compiled for Pyodide's Python
    (see ``xo_web.pycompile``), which makes importing them in the browser about twice as fast.
    """
    base_url = normalise_base_url(base_url)
    pyodide_src = inputs.node_modules / "pyodide"
    pyscript_src = inputs.node_modules / "@pyscript" / "core" / "dist"
    for required in (pyodide_src / "pyodide-lock.json", pyscript_src / "core.js"):
        if not required.is_file():
            raise BundleError(f"{required} is missing: run `npm ci` (make setup)")
    wheels = verified_wheels(inputs.wheel_cache)

    _prepare_output(out)
    runtime = out / "pyodide"
    runtime.mkdir()
    for name in PYODIDE_RUNTIME_FILES:
        shutil.copy2(pyodide_src / name, runtime / name)
    with tempfile.TemporaryDirectory() as scratch:
        xo_source = build_xo_web_wheel(Path(scratch))
        if byte_compile:
            options = {"pyodide_dir": pyodide_src, "cache": inputs.compiled_cache}
            compile_wheels(wheels, runtime, sourceless=True, **options)
            [xo_wheel] = compile_wheels([xo_source], runtime, sourceless=False, **options)
        else:
            for wheel in [*wheels, xo_source]:
                shutil.copy2(wheel, runtime / wheel.name)
            xo_wheel = runtime / xo_source.name
    _write_lock(runtime, pyodide_src / "pyodide-lock.json", xo_wheel)

    shutil.copytree(pyscript_src, out / "pyscript", ignore=shutil.ignore_patterns("*.map"))
    (out / "pyscript.json").write_text(json.dumps(pyscript_config(base_url), indent=2) + "\n")
    _write_loader(out)

    manifest = {
        "xo_web": __version__,
        "pyodide": PYODIDE_VERSION,
        "pyscript": PYSCRIPT_VERSION,
        "base_url": base_url,
        "wheels": sorted(p.name for p in runtime.glob("*.whl")),
    }
    (out / _MARKER).write_text(json.dumps(manifest, indent=2) + "\n")
    return out
