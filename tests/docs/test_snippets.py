"""Every code block of the README and docs/ runs, or is checked, or is skipped for a reason.

Python blocks run on CPython with xo_web.testing's fakes (tests/docs/run_python.py); HTML and
JavaScript blocks run in Chromium (tests/browser/test_docs.py); shell blocks are checked line by
line: `xo-web` commands are parsed by the real command line, `make` targets must exist.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.blocks import ROOT, SKIPPED, Block, blocks, of
from xo_web.bundler.cli import _parser

# Languages that are not code: listings and printed output (nothing to run).
LISTINGS = {"", "text"}
RUN_HERE = {"python"}
RUN_IN_CHROMIUM = {"html", "js"}
CHECKED = {"sh"}
# Shell commands that are documented but not run here, each with the reason.
NOT_RUN = {
    "pip install": "installs from the package index; tests/install/ builds the wheel and "
    "installs it in a fresh venv",
}


def test_every_block_is_run_checked_listed_or_skipped() -> None:
    """No block escapes: each language has a test, or the block is in the skip list."""
    known = LISTINGS | RUN_HERE | RUN_IN_CHROMIUM | CHECKED
    stray = [str(b) for b in blocks() if b.lang not in known and b.key not in SKIPPED]
    assert stray == []


def test_every_skip_names_a_block_that_exists() -> None:
    """The skip list holds no stale entries (a block that changed must be looked at again)."""
    keys = {b.key for b in blocks()}
    assert [key for key in SKIPPED if key not in keys] == []


def test_the_docs_pages_are_found_and_have_blocks() -> None:
    """The globbing finds the docs' pages and their Python, HTML and JS blocks."""
    assert len(of("python")) >= 5
    assert len(of("html")) >= 5
    assert len(of("js")) >= 2


@pytest.mark.parametrize("block", of("python"), ids=str)
def test_python_block_runs(block: Block, tmp_path: Path) -> None:
    """The block runs on CPython with the fakes, without raising."""
    (tmp_path / "public" / "xo").mkdir(parents=True)  # the folder the serving recipes mount
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "tests.docs.run_python"],
        input=block.text,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, f"{block}\n{run.stderr}"


def commands(text: str) -> list[str]:
    """Return the block's command lines: continuations joined, comments, prompts and a
    synopsis's optional `[...]` parts dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    joined = re.sub(r" \[[^\]\n]*\]", "", joined)  # a synopsis's optional parts
    lines = [line.split(" #")[0].strip() for line in joined.splitlines()]
    return [line.removeprefix("$ ") for line in lines if line and not line.startswith("#")]


def check_command(line: str) -> None:
    """Raise AssertionError unless `line` is a command this repository makes valid."""
    if any(line.startswith(prefix) for prefix in NOT_RUN):
        return
    words = shlex.split(line)
    if words[0] == "xo-web" or words[:3] == ["python", "-m", "xo_web.bundler"]:
        args = words[1:] if words[0] == "xo-web" else words[3:]
        code: object = 0
        try:
            _parser().parse_args(args)
        except SystemExit as exit:  # --help, --version: 0; an unknown option: 2
            code = exit.code
        assert code == 0, line
        return
    if words[0] == "make":
        targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
        named = [w for w in words[1:] if "=" not in w]
        assert set(named) <= targets, f"no such make target in {line!r}"
        return
    if words[0].startswith(".venv/bin/"):
        assert (ROOT / "pyproject.toml").exists()
        module = words[words.index("-m") + 1] if "-m" in words else None
        if module:
            spec = module.replace(".", "/")
            assert (ROOT / spec).exists() or (ROOT / f"{spec}.py").exists(), line
        return
    raise AssertionError(f"a shell command no test checks: {line!r} (add it to NOT_RUN)")


@pytest.mark.parametrize("block", of("sh"), ids=str)
def test_shell_block_commands_are_valid(block: Block) -> None:
    """Each command of the block is accepted by the real CLI, or names an existing make target."""
    for line in commands(block.text):
        check_command(line)
