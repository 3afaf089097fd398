"""Tests of the pyodide-http patch as idle steps (xo_web.adapters), with a fake pyodide_http."""

import sys
import types

import pytest

from xo_web.adapters import HTTP_PATCH_MODULES, patch_http_steps


def test_the_steps_import_the_modules_then_patch(monkeypatch: pytest.MonkeyPatch) -> None:
    """One step per module the patch needs, then the patch itself, which runs last."""
    calls: list[str] = []
    fake = types.ModuleType("pyodide_http")
    fake.patch_all = lambda: calls.append("patched")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyodide_http", fake)
    steps = patch_http_steps()
    assert len(steps) == len(HTTP_PATCH_MODULES) + 1
    for step in steps[:-1]:
        step()
        assert calls == []
    steps[-1]()
    assert calls == ["patched"]
    assert all(name in sys.modules for name in HTTP_PATCH_MODULES)


def test_a_module_that_cannot_be_imported_is_left_to_the_patch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A missing module does not stop the steps (the patch decides what it needs)."""
    monkeypatch.setattr("xo_web.adapters.HTTP_PATCH_MODULES", ("no_such_module_xo",))
    [importing, _patch] = patch_http_steps()
    assert importing() is None
