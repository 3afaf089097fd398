"""Tests that the core stays free of the browser: no js or pyodide imports."""

import ast
from pathlib import Path

import pytest

CORE = ["errors", "models", "user", "ports", "tracker", "delivery", "privacy"]
PACKAGE = Path(__file__).resolve().parents[2] / "xo_web"


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_the_browser(module: str) -> None:
    """Core modules import neither js, pyodide nor pyscript."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported.isdisjoint({"js", "pyodide", "pyscript", "pyodide_http"})


@pytest.mark.parametrize("module", CORE)
def test_core_module_has_a_docstring(module: str) -> None:
    """Each core module opens with a docstring saying what it owns."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(tree)
