"""Host-only: byte-compiling the bundle's wheels for Pyodide's Python, with Node.

Importing pydantic in the browser spends about half its time compiling sources to bytecode.
``xo-web build`` therefore ships wheels whose modules are already compiled by the very runtime
the browser runs (npm Pyodide, booted in Node by ``pycompile.mjs``): third-party wheels
sourceless, as Pyodide's own distribution does, and xo_web with its sources kept beside
unchecked-hash ``.pyc`` files so tracebacks keep their lines. Compiled wheels are cached by
the sha256 of their source wheel, each beside the sha256 of the bytes the compile produced
(the two written together and moved into place as one folder); a cached copy whose bytes no
longer match that digest is compiled again, never served. The digest lives in the same cache, so
this catches corruption and partial writes, not someone who rewrites both.
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

    With a ``cache`` folder, a wheel compiled before (same source sha256) is reused when its
    bytes still match the digest recorded when it was compiled; the copy in ``dest`` is checked
    against that digest too.
    """
    mode = "sourceless" if sourceless else "hashed"
    dest.mkdir(parents=True, exist_ok=True)
    pending: list[Path] = []
    for wheel in wheels:
        cached = cache / mode / sha256_of(wheel) / wheel.name
        if _verified(cached) and _copy_verified(cached, dest / wheel.name):
            continue
        pending.append(wheel)
    if pending:
        with tempfile.TemporaryDirectory() as scratch:
            _run(pyodide_dir, Path(scratch), mode, pending)
            for wheel in pending:
                built = Path(scratch) / wheel.name
                _store(built, cache / mode / sha256_of(wheel) / wheel.name)
                shutil.copy2(built, dest / wheel.name)  # this build's own output
    return [dest / wheel.name for wheel in wheels]


def _digest_file(cached: Path) -> Path:
    return cached.with_name(cached.name + ".sha256")


def _verified(cached: Path) -> bool:
    """Whether ``cached`` exists and its bytes match the digest recorded when it was made."""
    record = _digest_file(cached)
    if not (cached.is_file() and record.is_file()):
        return False
    return record.read_text().strip() == sha256_of(cached)


def _copy_verified(cached: Path, target: Path) -> bool:
    """Copy ``cached`` to ``target``; whether the copy's bytes match the recorded digest."""
    shutil.copy2(cached, target)
    return _digest_file(cached).read_text().strip() == sha256_of(target)


def _store(built: Path, cached: Path) -> None:
    """Put a compiled wheel and its digest into the cache as one entry: both are written into a
    folder of this writer's own, which then takes the entry's name at once (a build running at
    the same time never sees one without the other; if it stored the entry first, it stays)."""
    entry = cached.parent
    entry.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".partial-"))
    shutil.copy2(built, scratch / cached.name)
    _digest_file(scratch / cached.name).write_text(sha256_of(built) + "\n")
    if entry.exists() and not _verified(cached):
        shutil.rmtree(entry, ignore_errors=True)  # stale or altered: replaced
    try:
        scratch.rename(entry)
    except OSError:  # another build stored a verified entry meanwhile
        shutil.rmtree(scratch, ignore_errors=True)
