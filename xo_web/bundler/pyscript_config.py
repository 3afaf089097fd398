"""Host-only: the bundle's ``pyscript.json`` and the merge of the shop's PyScript settings.

``--pyscript-config FILE`` (JSON, or TOML like PyScript's own ``pyscript.toml``) adds the shop's
``files``, ``js_modules``, ``packages`` and other settings to the bundle's config. Tables are
merged key by key; a key both sides set to different values is an error, never an overwrite.
``packages`` is the one list that is joined, and each must be served by the bundle.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xo_web.bundler.errors import ConfigMergeError
from xo_web.bundler.shop import canonical


def base_config(base_url: str, packages: Iterable[str]) -> dict[str, Any]:
    """Return the bundle's config: the bundled interpreter (page-relative) and its packages."""
    return {
        "interpreter": f"{base_url}pyodide/pyodide.mjs",
        "packages": list(packages),
        "packages_cache": "passthrough",
    }


def load_config(path: Path) -> dict[str, Any]:
    """Read a PyScript config file (``.toml`` as TOML, anything else as JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except OSError as error:
        raise ConfigMergeError(f"--pyscript-config {path}: {error.strerror}") from None
    except ValueError as error:
        raise ConfigMergeError(f"--pyscript-config {path} is not valid: {error}") from None
    if not isinstance(data, dict):
        raise ConfigMergeError(f"--pyscript-config {path} must hold a table of settings")
    return data


def _merge(ours: Any, theirs: Any, key: str) -> Any:
    if isinstance(ours, Mapping) and isinstance(theirs, Mapping):
        merged = dict(ours)
        for name, value in theirs.items():
            merged[name] = _merge(ours[name], value, f"{key}.{name}") if name in ours else value
        return merged
    if ours != theirs:
        raise ConfigMergeError(
            f"the PyScript setting {key!r} conflicts: the bundle has {json.dumps(ours)}, "
            f"--pyscript-config has {json.dumps(theirs)}"
        )
    return ours


def merge_config(
    ours: Mapping[str, Any], theirs: Mapping[str, Any], served: Iterable[str]
) -> dict[str, Any]:
    """Return ``ours`` with the shop's settings added; ConfigMergeError on any conflict.

    ``served`` are the package names the bundle's lock lists; a shop package outside it would
    make PyScript look elsewhere, so it is refused with the way to add it.
    """
    available = {canonical(name) for name in served}
    merged = dict(ours)
    for key, value in theirs.items():
        if key != "packages":
            merged[key] = _merge(ours[key], value, key) if key in ours else value
            continue
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            raise ConfigMergeError("the PyScript setting 'packages' must be a list of names")
        packages = list(merged.get("packages", []))
        for package in value:
            if canonical(package) not in available:
                raise ConfigMergeError(
                    f"the PyScript package {package!r} is not in the bundle: add it with "
                    "--requirement or --wheel (the bundle loads nothing from elsewhere)"
                )
            if canonical(package) not in {canonical(p) for p in packages}:
                packages.append(package)
        merged["packages"] = packages
    return merged
