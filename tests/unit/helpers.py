"""Helpers shared by the unit tests: predictable ids, running a send, reading a request body."""

import asyncio
import itertools
import json

from xo_web.delivery import SendOutcome
from xo_web.ports import HttpRequest
from xo_web.tracker import Tracker

TRACKER_KEY = "test-key"
ENDPOINT = "https://collect-eu.attraqt.io/test-key"
VIEW = {"action": "view", "target": {"product": "SKU-1"}}


def nth_id(n: int) -> str:
    """Return the n-th id SequentialIds produces."""
    return f"00000000-0000-4000-8000-{n:012d}"


class SequentialIds:
    """An IdFactory returning predictable UUID v4 strings: nth_id(1), nth_id(2), ..."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return nth_id(next(self._counter))


def run_send(tracker: Tracker, activities: object) -> SendOutcome | None:
    """Call tracker.send inside a running event loop and await the outcome."""

    async def go() -> SendOutcome | None:
        return await tracker.send(activities)

    return asyncio.run(go())


def sent(request: HttpRequest) -> list[dict[str, object]]:
    """Return the JSON array a request carried."""
    body = json.loads(request.body)
    assert isinstance(body, list)
    return body


def sent_user(request: HttpRequest, index: int = 0) -> dict[str, object]:
    """Return the user attached to the index-th activity of a request."""
    user = sent(request)[index]["user"]
    assert isinstance(user, dict)
    return user
