"""The code blocks of the README and of every page under docs/, and the ones deliberately skipped.

Pages are found by globbing, so a new page's blocks are tested without a change here. A block
is keyed by its file and its first non-blank line; `SKIPPED` names each block that no test
runs, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(
    r"^(?P<indent> *)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.S | re.M
)

# (file, first non-blank line) → why no test runs it.
SKIPPED: dict[tuple[str, str], str] = {
    (
        "docs/consent.md",
        '<script src="https://cdn.cookielaw.org/scripttemplates/otSDKStub.js" '
        'data-domain-script="…"></script>',
    ): (
        "loads OneTrust's script from its CDN, which no test may reach; the TCF signals such a "
        "CMP gives are driven by tests/browser/test_consent.py"
    ),
    (
        "docs/serving.md",
        "# settings.py, with: xo-web build assets/xo/2026-05-01 --base-url /static/xo/2026-05-01/",
    ): "a fragment of a Django settings.py: BASE_DIR and the rest come from the project",
    ("docs/serving.md", "location /xo/2026-05-01/ {"): (
        "an nginx configuration: no nginx here; tests/bundler/test_recipes.py serves the bundle "
        "with the Python recipes"
    ),
    ("docs/relay.md", "# asgi.py"): (
        "a Django project's asgi.py (needs the project's settings); the same mount is served by "
        "tests/server/relay/test_frameworks.py"
    ),
    ("docs/server-frameworks.md", "from xo_web.server import session_id_from, user_from"): (
        "a fragment: `request` is the framework's request object; tests/server/test_session.py "
        "calls both on Starlette, Django and Flask requests"
    ),
    (
        "docs/server-frameworks.md",
        'INSTALLED_APPS = [..., "xo_web.server.integrations.django.XOConfig"]',
    ): (
        "a fragment of a Django settings.py and view; examples/server/django_site runs it under "
        "tests/server/test_frameworks.py"
    ),
    ("docs/server.md", "from xo_web.server import Tracker, OutboxError, SenderSettings"): (
        "a synopsis of the API (`session_id` comes from the request, `[...]` stands for "
        "activities); tests/server/test_send.py and test_lifecycle.py make each call"
    ),
    (
        "docs/server.md",
        'with sqlite3.connect("/var/lib/shop/shop.db") as db:  # the outbox\'s own file',
    ): (
        "a fragment of a shop's order code (its database, its order); "
        "tests/server/test_transactional.py runs the transactional send"
    ),
}


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it is, its language, its text."""

    path: str
    line: int
    lang: str
    text: str

    @property
    def key(self) -> tuple[str, str]:
        """The block's key in SKIPPED: its file and first non-blank line."""
        first = next((line for line in self.text.splitlines() if line.strip()), "")
        return (self.path, first.strip())

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.lang or 'no language'})"


def doc_files() -> list[Path]:
    """The README, CONTRIBUTING and every Markdown page under docs/."""
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks() -> list[Block]:
    """Every fenced code block of the docs, in order."""
    found = []
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            body = "\n".join(line[len(match["indent"]) :] for line in match["body"].splitlines())
            line = text.count("\n", 0, match.start()) + 1
            found.append(Block(path.relative_to(ROOT).as_posix(), line, match["lang"], body))
    return found


def of(*langs: str) -> list[Block]:
    """The blocks in one of `langs` that are not skipped."""
    return [b for b in blocks() if b.lang in langs and b.key not in SKIPPED]
