"""Host-only: byte-compiling the bundle's wheels for Pyodide's Python, with Node.

Importing pydantic in the browser spends about half its time compiling sources to bytecode.
``xo-web build`` therefore ships wheels whose modules are already compiled by the very runtime
the browser runs (npm Pyodide, booted in Node by ``pycompile.mjs``): third-party wheels
sourceless, as Pyodide's own distribution does, and xo_web with its sources kept beside
unchecked-hash ``.pyc`` files so tracebacks keep their lines. Compiled third-party wheels are
cached by the sha256 of their source wheel.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from xo_web.bundler.wheels import sha256_of

SCRIPT = Path(__file__).resolve().parent / "pycompile.mjs"


class CompileError(RuntimeError):
    """Node or the Pyodide runtime could not byte-compile the wheels."""


def _run(pyodide_dir: Path, out: Path, mode: str, wheels: list[Path]) -> None:
    node = shutil.which("node")
    if node is None:
        raise CompileError("node is needed to byte-compile the wheels (or pass --no-compile)")
    command = [node, str(SCRIPT), str(pyodide_dir.resolve()), str(out), mode]
    result = subprocess.run(
        [*command, *(str(w.resolve()) for w in wheels)], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise CompileError(f"byte-compiling wheels failed:\n{result.stderr[-2000:]}")


def compile_wheels(
    wheels: list[Path], dest: Path, *, pyodide_dir: Path, cache: Path, sourceless: bool = True
) -> list[Path]:
    """Write byte-compiled copies of ``wheels`` into ``dest`` (same names); return them.

    With a ``cache`` folder, a wheel compiled before (same source sha256) is reused.
    """
    mode = "sourceless" if sourceless else "hashed"
    dest.mkdir(parents=True, exist_ok=True)
    pending: list[Path] = []
    for wheel in wheels:
        cached = cache / mode / sha256_of(wheel) / wheel.name
        if cached.is_file():
            shutil.copy2(cached, dest / wheel.name)
        else:
            pending.append(wheel)
    if pending:
        with tempfile.TemporaryDirectory() as scratch:
            _run(pyodide_dir, Path(scratch), mode, pending)
            for wheel in pending:
                built = Path(scratch) / wheel.name
                cached = cache / mode / sha256_of(wheel) / wheel.name
                cached.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(built, cached)
                shutil.copy2(built, dest / wheel.name)
    return [dest / wheel.name for wheel in wheels]
