"""The storefront's shape: one browser adapter, pure modules, and a config that ships them all."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

STOREFRONT = Path(__file__).resolve().parents[2] / "demo" / "storefront"
ADAPTER = STOREFRONT / "app.py"
BROWSER_MODULES = {"js", "pyodide", "pyodide_js", "pyodide_http", "pyscript"}


def imported_roots(source: Path) -> set[str]:
    """The top-level names of every module ``source`` imports (absolute imports only)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text("utf-8"), filename=str(source))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_the_adapter_imports_browser_modules():
    """No storefront module but app.py imports js, pyodide, pyodide_http or pyscript."""
    modules = sorted(STOREFRONT.rglob("*.py"))
    assert ADAPTER in modules
    assert len(modules) > 1
    offenders = {
        str(path.relative_to(STOREFRONT)): sorted(imported_roots(path) & BROWSER_MODULES)
        for path in modules
        if path != ADAPTER and imported_roots(path) & BROWSER_MODULES
    }
    assert offenders == {}


def test_the_adapter_is_the_one_that_does_import_them():
    """app.py imports js and pyodide (so the check above looks at real imports)."""
    assert {"js", "pyodide"} <= imported_roots(ADAPTER)


def test_every_storefront_module_opens_with_a_docstring():
    """Each module says what it owns in its docstring."""
    missing = [
        str(path.relative_to(STOREFRONT))
        for path in sorted(STOREFRONT.rglob("*.py"))
        if not ast.get_docstring(ast.parse(path.read_text("utf-8")))
    ]
    assert missing == []


def shipped_files(files: dict[str, str]) -> dict[str, str]:
    """PyScript's ``files`` as URL → browser path, templates expanded as polyscript does."""
    templates: dict[str, str] = {}
    shipped: dict[str, str] = {}
    for key, value in files.items():
        expanded = value
        for name, text in templates.items():
            expanded = expanded.replace(name, text)
        if re.fullmatch(r"\{.+\}", key):
            templates[key] = expanded
            continue
        url = key
        for name, text in templates.items():
            url = url.replace(name, text)
        shipped[url] = expanded + url.rsplit("/", 1)[-1] if expanded.endswith("/") else expanded
    return shipped


def test_the_pyscript_config_ships_every_module_of_the_package():
    """pyscript.json copies each .py file of shop/ to the same path in the browser."""
    files: dict[str, str] = json.loads((STOREFRONT / "pyscript.json").read_text())["files"]
    package = STOREFRONT / "shop"
    expected = {
        f"/shop/{path.name}": f"./demo/storefront/shop/{path.name}"
        for path in sorted(package.glob("*.py"))
    }
    assert shipped_files(files) == expected
    assert not [p for p in package.iterdir() if p.is_dir() and p.name != "__pycache__"]


def test_the_pyscript_config_boots_the_bundled_runtime_with_xo_web():
    """pyscript.json uses the bundle's Pyodide under /xo/ and loads xo_web, as the bundle's does."""
    config = json.loads((STOREFRONT / "pyscript.json").read_text())
    assert config["interpreter"] == "/xo/pyodide/pyodide.mjs"
    assert config["packages"] == ["xo_web"]
    assert config["packages_cache"] == "passthrough"
    assert '<script type="py" src="/app.py" config="/pyscript.json">' in (
        STOREFRONT / "index.html"
    ).read_text("utf-8")
