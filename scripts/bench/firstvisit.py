"""First-visit bytes: the files the server served for each page's first (cold) load.

Summed from the files on disk, raw and ``gzip -6``; the xo.js page is compared with the bare
Pyodide page plus the wheels, which is the only thing it should add (and xo.js itself).
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from scripts.bench import stats


def _file(path: str, roots: dict[str, Path]) -> Path | None:
    for prefix, root in roots.items():
        if path.startswith(prefix):
            candidate = root / path[len(prefix) :]
            return candidate if candidate.is_file() else None
    return None


def sizes(paths: list[str], roots: dict[str, Path]) -> dict[str, int]:
    """Return the raw and gzip -6 bytes of the distinct served files among ``paths``."""
    raw = gz = files = 0
    for path in dict.fromkeys(paths):
        file = _file(path, roots)
        if file is None:
            continue
        body = file.read_bytes()
        raw += len(body)
        gz += len(gzip.compress(body, compresslevel=6))
        files += 1
    return {"raw": raw, "gzip6": gz, "files": files}


def first_visit(paths: dict[str, list[str]], roots: dict[str, Path]) -> dict[str, Any]:
    """Compare the xo page's first visit with the bare page's plus the wheels."""
    xo, bare = paths["xo"], paths["bare"]
    wheels = sorted(p for p in set(xo) if p.endswith(".whl"))
    out: dict[str, Any] = {
        "xo": sizes(xo, roots),
        "bare": sizes(bare, roots),
        "wheels": sizes(wheels, roots),
        "xo_only_files": sorted(set(xo) - set(bare) - set(wheels)),
    }
    for kind in ("raw", "gzip6"):
        budget = out["bare"][kind] + out["wheels"][kind]
        out[f"ratio_vs_bare_plus_wheels_{kind}"] = stats.ratio(out["xo"][kind], budget)
    return out
