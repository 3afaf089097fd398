"""Tests of the list of modules xo.js imports in slices at boot (xo_web/bundler/boot_modules)."""

import re

from xo_web.bundler.boot_modules import BOOT_MODULES
from xo_web.bundler.pins import BROWSER_WHEELS

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def test_the_list_names_modules_once_and_ends_with_what_xo_js_installs_from() -> None:
    """Each entry is a module name, listed once; the browser adapter comes last."""
    assert all(NAME.fullmatch(name) for name in BOOT_MODULES)
    assert len(set(BOOT_MODULES)) == len(BOOT_MODULES)
    assert not {"js", "xo_web", "xo_web.adapters.worker"} & set(BOOT_MODULES)
    assert BOOT_MODULES[-1] == "xo_web.adapters.browser"


def test_the_list_was_generated_for_the_pinned_pydantic() -> None:
    """The generated docstring names the pydantic version the bundle pins (rerun the script)."""
    import xo_web.bundler.boot_modules as module

    [pydantic] = [w for w in BROWSER_WHEELS if w.name == "pydantic"]
    assert f"pydantic {pydantic.version})" in (module.__doc__ or "")


def test_the_boot_imports_no_pydantic_and_the_warm_up_does() -> None:
    """pydantic is left out of the boot's list and imported by the warm-up, one module a step."""
    from xo_web.wire.warmup import MODEL_IMPORTS

    assert not any(name.split(".")[0] in {"pydantic", "pydantic_core"} for name in BOOT_MODULES)
    assert {"pydantic_core", "pydantic.main", "pydantic.fields"} <= set(MODEL_IMPORTS)
    assert not set(MODEL_IMPORTS) & set(BOOT_MODULES)
