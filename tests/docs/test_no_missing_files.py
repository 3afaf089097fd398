"""No doc or docstring names a file that the repository does not have.

The docs (README, CONTRIBUTING, CHANGELOG, every page under docs/, the parity reference) and
every docstring and comment of the code are searched for file names; each must exist in the
repository (from the root, beside the doc, or as a file of that name somewhere in the tree), or
be one of the files a build or a shop makes, listed below. The design notes the project started
from (its design contract and field notes) are not in the repository, so no text may send a
reader to them by their names.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from tests.docs.blocks import ROOT, doc_files

FILE_NAME = re.compile(
    r"(?<![\w/.@:-])((?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:md|py|js|mjs|json|toml|yml|yaml|txt|"
    r"cfg|sh|html|css|png|whl|sqlite3))(?![\w/-])"
)
ABSENT_NOTES = re.compile(r"\b" + "DES" + r"IGN\b|\b" + "NO" + r"TES\b")
# Files that are not the repository's: what the build writes, what a shop or a package has.
NOT_OURS = {
    "app.py",  # a shop's (the serving recipe's module), the demo's is demo/storefront/app.py
    "settings.py",  # a Django project's
    "asgi.py",
    "views.py",
    "outbox.sqlite3",  # made by xo_web.server at run time
    "requirements.txt",
    "pyscript.toml",
    "pyscript.json",  # written by xo-web build
    "bundle.json",
    "pyodide-lock.json",
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "core.js",  # PyScript's, in the bundle
    "xo.js",  # assembled by xo-web build from xo_web/facade/js/
    "activity.schema.json",  # generated into the docs site; also the JS SDK package's
    "collector.sqlite3",  # made by the demo at run time
    ".npmrc",
    "pip.conf",
    "validateSchema.js",  # the JS SDK package's (tests/parity/reference-js-sdk.md)
    "activity.js",
    "browserHttpClient.js",
    "top_level.txt",  # a wheel's metadata
    "Node.js",  # a product, not a file
    "shop-1.0-py3-none-any.whl",
    "xo_web-0.1.0-py3-none-any.whl",
}


# Paths of build output and of other packages (the JS SDK's npm package, a shop's project).
NOT_OURS_PREFIXES = ("dist/", "build/", "node_modules/", "public/", "assets/", "~/", ".cache/")


def tracked() -> list[str]:
    """Every file git tracks, and the untracked ones not ignored (new files of this change)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if (ROOT / line).exists()]


def code_texts() -> list[tuple[str, str]]:
    """The docstrings and comments of every Python and JavaScript file of the repository."""
    texts = []
    for name in tracked():
        path = ROOT / name
        if name.startswith(("node_modules/", "docs/")) or path.suffix not in {".py", ".js", ".mjs"}:
            continue
        source = path.read_text(encoding="utf-8")
        comments = "\n".join(re.findall(r"#[^\n]*|//[^\n]*|/\*.*?\*/", source, re.S))
        if path.suffix == ".py":
            tree = ast.parse(source)
            nodes = [tree, *ast.walk(tree)]
            docstrings = [
                ast.get_docstring(node) or ""
                for node in nodes
                if isinstance(
                    node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
                )
            ]
            comments += "\n" + "\n".join(docstrings)
        texts.append((name, comments))
    return texts


def texts() -> list[tuple[str, str]]:
    """Every doc, and the docstrings and comments of the code."""
    docs = [*doc_files(), ROOT / "CHANGELOG.md", ROOT / "tests" / "parity" / "reference-js-sdk.md"]
    found = [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in docs]
    return found + code_texts()


def missing(name: str, text: str, files: list[str]) -> list[str]:
    """Return the file names `text` (at `name`) mentions that the repository does not have."""
    here = (ROOT / name).parent
    basenames = {Path(f).name for f in files}
    absent = []
    for match in FILE_NAME.finditer(text):
        ref = match.group(1).lstrip("./")
        if Path(ref).name in NOT_OURS or ref.startswith(NOT_OURS_PREFIXES):
            continue
        if Path(ref).name in basenames:
            continue
        if (ROOT / ref).exists() or (here / match.group(1)).exists():
            continue
        absent.append(match.group(1))
    return absent


@pytest.fixture(scope="module")
def files() -> list[str]:
    return tracked()


@pytest.mark.parametrize(("name", "text"), texts(), ids=lambda v: v if "\n" not in v else "")
def test_names_no_absent_file(name: str, text: str, files: list[str]) -> None:
    """Every file the text names exists in the repository (or is a build's or a shop's)."""
    assert missing(name, text, files) == []


@pytest.mark.parametrize(("name", "text"), texts(), ids=lambda v: v if "\n" not in v else "")
def test_sends_no_reader_to_the_design_notes(name: str, text: str) -> None:
    """No text refers to the design contract or the field notes by their file names."""
    assert ABSENT_NOTES.findall(text) == []


def test_the_search_finds_an_absent_file() -> None:
    """The check is not vacuous: a made-up path is reported, a real one is not."""
    text = "see docs/nowhere.md and xo_web/tracker.py"
    assert missing("README.md", text, tracked()) == ["docs/nowhere.md"]


@pytest.mark.parametrize(("name", "text"), texts(), ids=lambda v: v if "\n" not in v else "")
def test_names_no_python_m_xo_web(name: str, text: str) -> None:
    """`python -m` on the package itself is no command (the CLI is `xo-web`, or `-m` on its
    bundler subpackage), so no text may tell a reader to run it."""
    assert re.findall(r"python -m " + "xo_" + r"web(?![.\w])", text) == []
