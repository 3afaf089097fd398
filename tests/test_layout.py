"""Tests of the package's shape, derived from the folder tree: layers, docstrings, public names."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import xo_web

PACKAGE = Path(xo_web.__file__).resolve().parent
BROWSER_MODULES = {"js", "pyodide", "pyodide_js", "pyodide_http", "pyscript"}
BROWSER_FOLDER = "adapters"
MAX_MODULE_LINES = 330


def modules() -> list[Path]:
    """Return every Python module of the package."""
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def imported_roots(path: Path) -> set[str]:
    """Return the top-level names of every module `path` imports, anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


def imported_modules(path: Path) -> set[str]:
    """Return the full dotted name of every module `path` imports, anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def name_of(path: Path) -> str:
    """Return the module's path below the package, for test ids."""
    return path.relative_to(PACKAGE).as_posix()


def pure_modules() -> list[Path]:
    """Return every module outside the browser adapter's folder."""
    return [p for p in modules() if p.relative_to(PACKAGE).parts[0] != BROWSER_FOLDER]


@pytest.mark.parametrize("path", pure_modules(), ids=name_of)
def test_only_the_adapters_import_the_browser(path: Path) -> None:
    """No module outside xo_web/adapters/ imports js, pyodide, pyodide_js or pyscript."""
    assert imported_roots(path).isdisjoint(BROWSER_MODULES)


CORE_MAY_NOT_IMPORT = ("delivery", "facade", "adapters", "server", "bundler", "tracker")


@pytest.mark.parametrize(
    "path", [p for p in modules() if p.relative_to(PACKAGE).parts[0] == "core"], ids=name_of
)
def test_core_imports_nothing_above_it(path: Path) -> None:
    """xo_web/core/ is the bottom layer: it imports no module of the layers that compose it."""
    above = {f"xo_web.{name}" for name in CORE_MAY_NOT_IMPORT}
    reached = {
        m for m in imported_modules(path) if any(m == a or m.startswith(a + ".") for a in above)
    }
    assert reached == set()


HOST_ONLY = ("bundler", "server")


@pytest.mark.parametrize(
    "path",
    [p for p in modules() if p.relative_to(PACKAGE).parts[0] not in HOST_ONLY],
    ids=name_of,
)
def test_the_browser_half_never_imports_the_server_half(path: Path) -> None:
    """No module that ships in the browser wheel imports xo_web.server (host-only, CPython)."""
    reached = {
        m for m in imported_modules(path) if m == "xo_web.server" or m.startswith("xo_web.server.")
    }
    assert reached == set()


def test_importing_the_server_package_loads_neither_the_tracker_nor_its_client() -> None:
    """`xo-web build` imports server.cli: that must not need the server extra (httpx2, psycopg)."""
    code = (
        "import sys, xo_web.bundler.cli, xo_web.server.cli\n"
        "loaded = {'xo_web.server.tracker', 'httpx2', 'psycopg'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


def test_the_adapters_folder_is_where_the_browser_is_imported() -> None:
    """The browser adapter does import js: the purity check above is not vacuous."""
    adapters = [p for p in modules() if p.relative_to(PACKAGE).parts[0] == BROWSER_FOLDER]
    assert any("js" in imported_roots(p) for p in adapters)


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_every_module_opens_with_a_docstring(path: Path) -> None:
    """Each module says what it owns in its opening docstring."""
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_every_module_stays_short(path: Path) -> None:
    """No module grows past what one person can hold in their head."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES


def test_public_names_are_sorted() -> None:
    """xo_web.__all__ is kept sorted, as httpx keeps its own."""
    assert xo_web.__all__ == sorted(xo_web.__all__)


def test_public_names_are_complete() -> None:
    """Every public name the package defines or imports at its top is listed in __all__."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    defined: set[str] = set()
    lazy = [  # names resolved on first use (PEP 562), imported here for type checkers only
        inner
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in node.body
    ]
    for node in [*tree.body, *lazy]:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xo_web"):
            defined.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.ClassDef | ast.FunctionDef):
            defined.add(node.name)
    public = {name for name in defined if not name.startswith("_")} - {"patch_http"}
    assert public | {"__version__", "activity"} == set(xo_web.__all__)


@pytest.mark.parametrize("name", xo_web.__all__)
def test_every_public_name_resolves(name: str) -> None:
    """Each name in __all__ is an attribute of the package."""
    assert getattr(xo_web, name) is not None


def test_importing_the_package_constructs_no_tracker() -> None:
    """`import xo_web` on the host makes no Tracker; the default one comes on first use."""
    code = (
        "import xo_web, xo_web.tracker as t\n"
        "made = []\n"
        "init = t.Tracker.__init__\n"
        "t.Tracker.__init__ = lambda self, *a, **k: (made.append(1), init(self, *a, **k))[1]\n"
        "import xo_web.bundler.cli\n"
        "assert made == [], made\n"
        "assert isinstance(xo_web.activity, t.Tracker) and made == [1]\n"
        "assert xo_web.activity is xo_web.activity and made == [1]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


def test_importing_the_package_imports_neither_the_tracker_nor_pydantic() -> None:
    """`import xo_web` loads only the exception tree: the rest comes on first use."""
    code = (
        "import sys, xo_web\n"
        "loaded = {'xo_web.tracker', 'xo_web.wire', 'pydantic'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
        "assert xo_web.Tracker.__module__ == 'xo_web.tracker'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)


def test_booting_a_tracker_and_a_common_send_import_no_pydantic() -> None:
    """A tracker's construction, init and a common-shape send leave pydantic for the warm-up
    (the user setters still validate with it)."""
    code = (
        "import asyncio, sys\n"
        "from xo_web.tracker import Tracker\n"
        "from xo_web.testing import MemoryStorage, MockTransport\n"
        "tracker = Tracker(MemoryStorage(), MockTransport())\n"
        "tracker.init('key')\n"
        "asyncio.run(tracker.send({'action': 'view', 'target': {'product': 'p'}}))\n"
        "assert 'pydantic' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent)
