"""Host-only: fetching the pinned browser wheels from PyPI and building the xo_web wheel.

The browser runs the wheels Pyodide's lock file names; PyPI's files differ from Pyodide's own
builds, so ``xo-web build`` lists exactly these files, with their real sha256, in the lock.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

from xo_web import __version__
from xo_web.bundler.errors import FetchError, IntegrityError
from xo_web.bundler.pins import BROWSER_WHEELS, PYODIDE_PYTHON, XO_WEB_DEPENDS, WheelPin

PACKAGE_DIR = Path(__file__).resolve().parents[1]
# Host-side code that the browser never needs: this folder (the bundler) and the server half,
# kept out of the browser wheel.
HOST_ONLY_FOLDERS = frozenset({Path(__file__).resolve().parent.name, "server"})
_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pip_download(arguments: list[str], what: str) -> None:
    """Run ``pip download`` (which honours PIP_INDEX_URL and pip.conf); FetchError on failure.

    On a terminal pip shows its own progress bars; elsewhere it runs quietly and its last error
    line goes into the message.
    """
    if importlib.util.find_spec("pip") is None:
        raise FetchError(f"pip is needed to download {what}: run `{sys.executable} -m ensurepip`")
    command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check"]
    loud = sys.stderr.isatty()
    result = subprocess.run(
        [*command, *([] if loud else ["--quiet"]), *arguments],
        stdout=None if loud else subprocess.DEVNULL,
        stderr=None if loud else subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        lines = [line.strip() for line in (result.stderr or "").splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR")] or lines or ["see above"]
        raise FetchError(f"pip download failed for {what}: {errors[-1]}")


def fetch_wheels(cache: Path) -> list[Path]:
    """Download every pinned browser wheel into ``cache`` (skipping verified ones); return paths.

    One ``pip download`` per platform (pure, Pyodide's), each fetching only what is missing.
    """
    cache.mkdir(parents=True, exist_ok=True)
    missing: dict[str | None, list[WheelPin]] = {}
    for pin in BROWSER_WHEELS:
        path = cache / pin.file_name
        if not (path.is_file() and sha256_of(path) == pin.sha256):
            path.unlink(missing_ok=True)
            missing.setdefault(pin.platform, []).append(pin)
    for platform, pins in missing.items():
        arguments = [
            "--no-deps", "--only-binary=:all:", "--python-version", PYODIDE_PYTHON,
            "--dest", str(cache), *(f"{pin.name}=={pin.version}" for pin in pins),
        ]  # fmt: skip
        if platform:
            arguments[:0] = ["--platform", platform]
        pip_download(arguments, ", ".join(f"{pin.name}=={pin.version}" for pin in pins))
    return verified_wheels(cache)


def verified_wheels(cache: Path) -> list[Path]:
    """Return the cached pinned wheels; FetchError if one is missing, IntegrityError if altered."""
    paths = []
    for pin in BROWSER_WHEELS:
        path = cache / pin.file_name
        if not path.is_file():
            raise FetchError(
                f"{pin.file_name} is not in the cache {cache}: run `xo-web fetch` first, "
                "or build without --offline"
            )
        if sha256_of(path) != pin.sha256:
            raise IntegrityError(f"{path} does not match its pinned sha256 {pin.sha256}")
        paths.append(path)
    return paths


def browser_modules() -> list[str]:
    """Return the package's modules the browser wheel carries (POSIX paths below xo_web/):
    every one but those in HOST_ONLY_FOLDERS."""
    modules = []
    for source in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = source.relative_to(PACKAGE_DIR)
        if "__pycache__" in relative.parts or relative.parts[0] in HOST_ONLY_FOLDERS:
            continue
        modules.append(relative.as_posix())
    return modules


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def build_xo_web_wheel(dest: Path) -> Path:
    """Write a pure wheel of the installed ``xo_web`` runtime modules into ``dest``; return it."""
    dist_info = f"xo_web-{__version__}.dist-info"
    files = {f"xo_web/{path}": (PACKAGE_DIR / path).read_bytes() for path in browser_modules()}
    requires = "".join(f"Requires-Dist: {name}\n" for name in XO_WEB_DEPENDS)
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: xo_web\nVersion: {__version__}\n{requires}"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: xo-web build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()

    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"xo_web-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return wheel
