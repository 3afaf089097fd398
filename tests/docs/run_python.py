"""Run one Python block of the docs on CPython, as a page would, with xo_web.testing's fakes.

`python -m tests.docs.run_python`, the block on standard input. `xo_web.activity` is a Tracker
over MemoryStorage and a MockTransport (initialised with "YOUR-KEY", as a page's `init` would),
and is also in the block's namespace as `activity`. A block with top-level `await` (a PyScript
page allows it) runs in an event loop, awaited sends and all; any other block runs as a
script. Exits non-zero if the block raises, or if a request it made was not a JSON array of
activities.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import sys

import xo_web
from xo_web.testing import MemoryStorage, MockTransport, QuietEnvironment
from xo_web.tracker import Tracker


def main() -> None:
    """Run the block read from stdin."""
    source = sys.stdin.read()
    transport = MockTransport()
    tracker = Tracker(MemoryStorage(), transport, environment=QuietEnvironment())
    tracker.init("YOUR-KEY")
    xo_web._default = tracker  # what `from xo_web import activity` returns
    namespace: dict[str, object] = {"__name__": "__main__", "activity": tracker}
    code = compile(source, "<docs block>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)  # a coroutine when the block awaits at top level
    if inspect.iscoroutine(result):

        async def run() -> None:
            await result
            await tracker.idle()

        asyncio.run(run())
    for request in transport.requests:
        body = json.loads(request.body)
        assert isinstance(body, list), body
        assert body, body
        assert all("action" in item and "target" in item for item in body), body


if __name__ == "__main__":
    main()
