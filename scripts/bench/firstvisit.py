"""First-visit bytes: what the server put on the wire for each page's first (cold) load.

The bundle is served by the Starlette recipe (``BundleFiles``), so a file goes out as the
build's brotli copy where it has one; the bytes are the responses' ``Content-Length``, logged
by the server. Every page is compared with bare Pyodide served the same way. The raw size of
the same files is given beside. Since issue 19 pydantic's wheels are off the boot (loaded on the
first call that needs the full validator), so the xo.js page's row is measured as loaded, for a
page whose calls all take the fast path; ``pydantic_wheels`` counts those wheels among its
requests (0 files when the boot leaves them out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scripts.bench import stats

PAGES = ("bare", "xo", "pyscript-bare", "pyscript", "reference")
PYDANTIC_WHEELS = ("pydantic-", "pydantic_core-", "annotated_types-", "typing_inspection-")


def _file(path: str, roots: dict[str, Path]) -> Path | None:
    for prefix, root in roots.items():
        if path.startswith(prefix):
            candidate = root / path[len(prefix) :]
            return candidate if candidate.is_file() else None
    return None


def sizes(paths: list[str], roots: dict[str, Path], wire: dict[str, int]) -> dict[str, int]:
    """Return the bytes on the wire and raw of the distinct files served among ``paths``."""
    raw = sent = files = 0
    for path in dict.fromkeys(paths):
        file = _file(path, roots)
        if file is None:
            continue
        raw += file.stat().st_size
        sent += wire.get(path, file.stat().st_size)
        files += 1
    return {"wire": sent, "raw": raw, "files": files}


def first_visit(
    paths: dict[str, list[str]], roots: dict[str, Path], wire: dict[str, int]
) -> dict[str, Any]:
    """Each page's first visit, and its ratio to bare Pyodide's (same recipe)."""
    out: dict[str, Any] = {}
    for name in PAGES:
        if paths.get(name):
            out[name] = sizes(paths[name], roots, wire)
    if "xo" not in out or "bare" not in out:
        return out
    xo = paths["xo"]
    heavy = [p for p in xo if p.rsplit("/", 1)[-1].startswith(PYDANTIC_WHEELS)]
    out["pydantic_wheels"] = sizes(heavy, roots, wire)
    for name in PAGES:
        if name in out:
            out[name]["ratio_vs_bare"] = stats.ratio(out[name]["wire"], out["bare"]["wire"])
    out["xo_only_files"] = sorted(set(xo) - set(paths["bare"]))
    return out
