"""The README's Python examples that run under CPython do run, as written."""

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def section_code(heading: str) -> str:
    """Return the first ```python block under the README heading `heading`."""
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    match = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert match is not None, heading
    return match.group(1)


def test_the_testing_example_runs() -> None:
    """The "Testing code that uses xo_web" example runs and its assertions hold."""
    code = section_code("### Testing code that uses xo_web")
    assert "MockTransport" in code
    subprocess.run([sys.executable, "-c", code], check=True, cwd=README.parent)
