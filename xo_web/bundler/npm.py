"""Host-only: npm tarballs without npm — the user's registry, downloads, integrity, extraction.

The registry is the one npm itself would use: ``npm_config_registry`` in the environment, else
``registry=`` in the project's ``.npmrc`` (the working folder's) or the user's (``~/.npmrc``,
or ``npm_config_userconfig``), else the public registry. A ``//host/path/:_authToken=`` line
for that registry is sent as a bearer token, as npm does for private mirrors.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from tqdm import tqdm

from xo_web.bundler.errors import FetchError, IntegrityError
from xo_web.bundler.pins import NpmPin

DEFAULT_REGISTRY = "https://registry.npmjs.org/"
TIMEOUT_S = 60
_CHUNK = 1 << 16
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _read_npmrc(path: Path, env: Mapping[str, str]) -> dict[str, str]:
    """Return the ``key=value`` settings of one .npmrc file (``${VAR}`` expanded)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    settings = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        value = value.strip("\"'")
        settings[key] = _VARIABLE.sub(lambda m: env.get(m.group(1), ""), value)
    return settings


def _npmrc_files(env: Mapping[str, str], cwd: Path, home: Path) -> list[Path]:
    user = env.get("npm_config_userconfig") or env.get("NPM_CONFIG_USERCONFIG")
    return [cwd / ".npmrc", Path(user) if user else home / ".npmrc"]


def npm_settings(
    env: Mapping[str, str] | None = None, cwd: Path | None = None, home: Path | None = None
) -> dict[str, str]:
    """Return the merged npm settings: environment over project .npmrc over user .npmrc."""
    env = os.environ if env is None else env
    files = _npmrc_files(env, cwd or Path.cwd(), home or Path.home())
    merged: dict[str, str] = {}
    for path in reversed(files):
        merged.update(_read_npmrc(path, env))
    for key, value in env.items():
        if key.lower().startswith("npm_config_") and value:
            merged[key[len("npm_config_") :].lower()] = value
    return merged


def registry_url(settings: Mapping[str, str]) -> str:
    """Return the registry URL from npm settings, with one trailing slash."""
    return settings.get("registry", DEFAULT_REGISTRY).rstrip("/") + "/"


def auth_headers(settings: Mapping[str, str], registry: str) -> dict[str, str]:
    """Return the Authorization header npm would send to ``registry`` (empty when none)."""
    bare = "//" + registry.split("://", 1)[-1]
    for key, value in settings.items():
        prefix, _, field = key.rpartition(":")
        if field == "_authToken" and prefix.startswith("//") and bare.startswith(prefix):
            return {"Authorization": f"Bearer {value}"}
    return {}


def integrity_of(path: Path, algorithm: str = "sha512") -> str:
    """Return the Subresource Integrity string (``sha512-<base64>``) of a file."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return f"{algorithm}-{base64.b64encode(digest.digest()).decode()}"


def check_integrity(path: Path, expected: str) -> None:
    """Raise IntegrityError unless ``path`` matches the SRI string ``expected``."""
    algorithm = expected.split("-", 1)[0]
    actual = integrity_of(path, algorithm)
    if actual != expected:
        raise IntegrityError(f"{path.name} does not match its pinned {algorithm} ({actual})")


def download(url: str, dest: Path, headers: Mapping[str, str] | None = None) -> Path:
    """Download ``url`` to ``dest`` (through a ``.part`` file) with a progress bar on a TTY."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    request = urllib.request.Request(url, headers={"User-Agent": "xo-web", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, part.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name, disable=None) as bar:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as error:
        part.unlink(missing_ok=True)
        raise FetchError(
            f"{url} answered HTTP {error.code} (check the npm registry setting)"
        ) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        part.unlink(missing_ok=True)
        reason = getattr(error, "reason", error)
        raise FetchError(
            f"cannot download {url} ({reason}): check the network and the npm registry "
            "setting, or build with --offline from a warm cache"
        ) from None
    except OSError:  # a full disk, most likely: leave no partial file behind
        part.unlink(missing_ok=True)
        raise
    part.replace(dest)
    return dest


def fetch_tarball(pin: NpmPin, dest: Path, settings: Mapping[str, str]) -> Path:
    """Download ``pin``'s tarball from the configured registry into ``dest`` and verify it."""
    registry = registry_url(settings)
    download(registry + pin.tarball_path, dest, auth_headers(settings, registry))
    try:
        check_integrity(dest, pin.integrity)
    except IntegrityError:
        dest.unlink()
        raise
    return dest


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        parts = Path(member.name).parts
        if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
            raise IntegrityError(f"refusing the unsafe tarball entry {member.name!r}")
        members.append(member)
    return members


def extract_package(tarball: Path, dest: Path) -> Path:
    """Extract an npm tarball's ``package/`` folder to ``dest`` (replaced atomically)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest.parent))
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            members = _safe_members(archive)
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: the stricter filter too
                archive.extractall(scratch, members=members, filter="data")
            else:
                archive.extractall(scratch, members=members)
        if dest.exists():
            shutil.rmtree(dest)
        (scratch / "package").replace(dest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return dest


def matches_tarball(tarball: Path, folder: Path, *, ignore: frozenset[str] = frozenset()) -> bool:
    """True when ``folder`` holds exactly the files of ``tarball``'s ``package/`` folder, byte
    for byte (files named in ``ignore``, at its top, aside): an extracted tree is re-checked
    against its verified tarball before it is used, never trusted on a marker alone."""
    expected: dict[str, str] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member in _safe_members(archive):
            parts = Path(member.name).parts
            if member.isfile() and len(parts) > 1 and parts[0] == "package":
                data = archive.extractfile(member)
                if data is None:
                    return False
                expected["/".join(parts[1:])] = hashlib.sha256(data.read()).hexdigest()
    if not folder.is_dir():
        return False
    actual = {
        path.relative_to(folder).as_posix(): path
        for path in folder.rglob("*")
        if path.is_file() or path.is_symlink()
    }
    for name in ignore:
        actual.pop(name, None)
    if set(actual) != set(expected):
        return False
    return all(
        not path.is_symlink() and hashlib.sha256(path.read_bytes()).hexdigest() == expected[name]
        for name, path in actual.items()
    )
