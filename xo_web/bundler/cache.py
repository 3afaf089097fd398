"""Host-only: the per-user download cache of ``xo-web`` — where it is and how it is filled.

The root is ``--cache DIR``, else ``$XO_WEB_CACHE``, else the platform's user cache folder
(``platformdirs``: ``~/.cache/xo-web`` on Linux). Layout::

    npm/<name>-<version>.tgz       the npm tarballs, checked against package-lock's sha512
    npm/<runtime>/node_modules/    pyodide and @pyscript/core extracted from them
    wheels/                        the pinned browser wheels, checked against their sha256
    wheels-compiled/               byte-compiled copies, keyed by their source's sha256
    shop/                          the shop's own wheels, as pip resolved them

Every file is checked against its pin when it is used, not only when it is downloaded: the
extracted npm trees against their (verified) tarballs, file by file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from xo_web.bundler.bundle import BundleInputs
from xo_web.bundler.errors import FetchError, IntegrityError
from xo_web.bundler.npm import (
    check_integrity,
    extract_package,
    fetch_tarball,
    matches_tarball,
    npm_settings,
)
from xo_web.bundler.pins import NPM_PACKAGES, PYODIDE_VERSION, PYSCRIPT_VERSION, NpmPin
from xo_web.bundler.wheels import fetch_wheels, verified_wheels

ENV_VAR = "XO_WEB_CACHE"
_EXTRACTED = ".xo-web-integrity"


def default_root(env: Mapping[str, str] | None = None) -> Path:
    """Return ``$XO_WEB_CACHE`` if set, else the platform's user cache folder for xo-web."""
    env = os.environ if env is None else env
    override = env.get(ENV_VAR)
    return Path(override) if override else Path(platformdirs.user_cache_dir("xo-web", False))


@dataclass(frozen=True)
class Cache:
    """One cache folder: the paths inside it and the fetching that fills it."""

    root: Path

    @classmethod
    def locate(cls, explicit: Path | None = None, env: Mapping[str, str] | None = None) -> Cache:
        """Return the cache at ``explicit`` (``--cache``), else at the default root."""
        return cls((explicit or default_root(env)).expanduser().resolve())

    @property
    def node_modules(self) -> Path:
        """Where the pinned npm packages are extracted, laid out as npm would."""
        runtime = f"pyodide-{PYODIDE_VERSION}_pyscript-{PYSCRIPT_VERSION}"
        return self.root / "npm" / runtime / "node_modules"

    @property
    def wheels(self) -> Path:
        """The pinned browser wheels (``wheels-compiled/`` sits beside it)."""
        return self.root / "wheels"

    @property
    def shop(self) -> Path:
        """The shop's own wheels, found again by pip with --find-links under --offline."""
        return self.root / "shop"

    def tarball(self, pin: NpmPin) -> Path:
        """Return where ``pin``'s tarball is kept."""
        return self.root / "npm" / f"{pin.name.lstrip('@').replace('/', '-')}-{pin.version}.tgz"

    def inputs(self) -> BundleInputs:
        """Return the build's inputs as laid out in this cache."""
        return BundleInputs(node_modules=self.node_modules, wheel_cache=self.wheels)

    def _npm_package(self, pin: NpmPin, offline: bool) -> None:
        folder = self.node_modules / pin.name
        marker = folder / _EXTRACTED
        tarball = self.tarball(pin)
        if tarball.is_file():
            try:
                check_integrity(tarball, pin.integrity)
            except IntegrityError:
                if offline:
                    raise
                tarball.unlink()
        if not tarball.is_file():
            if offline:
                raise FetchError(
                    f"{pin.name}@{pin.version} is not in the cache {self.root}: run "
                    "`xo-web fetch` first, or build without --offline"
                )
            fetch_tarball(pin, tarball, npm_settings())
        extracted = marker.is_file() and marker.read_text() == pin.integrity
        if extracted and matches_tarball(tarball, folder, ignore=frozenset({_EXTRACTED})):
            return  # the tree is, byte for byte, the verified tarball's
        extract_package(tarball, folder)
        marker.write_text(pin.integrity)

    def fill(self, *, offline: bool = False) -> BundleInputs:
        """Make sure every pinned input is in the cache (downloading unless ``offline``)."""
        for pin in NPM_PACKAGES:
            self._npm_package(pin, offline)
        if offline:
            verified_wheels(self.wheels)
        else:
            fetch_wheels(self.wheels)
        return self.inputs()
