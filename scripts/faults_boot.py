"""The ``leave-during-boot`` scenario of scripts/faults.py: visitors who click and leave while
the SDK boots (2 to 4 s on a real storefront).

Each page queues its calls in the loader's stub (``window._attraqt``) until it is ready. Four
pages in ten leave before that: their sends and setters are kept as one ``attraqtpending:*``
record at page hide, as ``stub.js``'s ``persistPending`` writes it ({user: null, calls}). The
others boot: the stub's queue runs through the Facade, then every pending record is taken
(read and removed, in key order, as ``bridge.js``'s ``takePending``) and replayed through the
dispatcher's ``__replay`` (``xo_web.facade.replay``), the path the browser takes. Booted pages
also send after ready and hide (keepalive) when they go. The JavaScript parts are modelled
here; the Python they hand over to is the SDK's own. Each send carries an identity set just
before it, so the report also counts sends that arrived with the wrong user.
"""

from __future__ import annotations

import json
from typing import Any

from xo_web.core.keys import PENDING_CALLS_PREFIX
from xo_web.facade.calls import Facade
from xo_web.facade.replay import REPLAY_NAME
from xo_web.tracker import Tracker

LEAVE_DURING_BOOT = 0.4


def _keep(run: Any, page: int, calls: list[list[object]]) -> None:
    """What stub.js does at page hide before ready."""
    if calls:
        record = [{"user": None, "calls": calls, "tries": 0}]
        run.storage.set(f"{PENDING_CALLS_PREFIX}{page:06d}", json.dumps(record))


def _take(run: Any) -> list[dict[str, Any]]:
    """What bridge.js's takePending does at boot."""
    records: list[dict[str, Any]] = []
    for key in sorted(k for k in run.storage.data if k.startswith(PENDING_CALLS_PREFIX)):
        raw = run.storage.get(key)
        run.storage.remove(key)
        for record in json.loads(raw or "[]"):
            records.append({**record, "tries": record.get("tries", 0) + 1})
    return records


def _calls(run: Any, first: int, count: int, page: int) -> tuple[list[list[object]], list[str]]:
    """A page's calls: each send preceded by the identity it must carry."""
    calls: list[list[object]] = []
    ids: list[str] = []
    for index in range(first, first + count):
        activity_id = f"a{index:04d}"
        calls.append(["addUserIdentity", "crmId", f"page-{page}"])
        calls.append(["send", {"action": "view", "target": {"product": "p", "id": activity_id}}])
        ids.append(activity_id)
    return calls, ids


async def leave_during_boot(run: Any, count: int) -> tuple[list[str], dict[str, str]]:
    """Play the scenario on `run` (a faults.Run); return the activity ids the SDK took and
    the identity each must carry."""
    expected: dict[str, str] = {}
    taken: list[str] = []
    page = 0
    tab: Tracker | None = run.tabs[0]
    while len(taken) < count:
        page += 1
        if tab is not None:  # the previous page goes: hide, then die
            tab._flush_on_unload()
            tab.close()
            run.hides += 1
            run.reloads += 1
        tab = None
        calls, ids = _calls(run, len(taken), min(run.rng.randint(0, 4), count - len(taken)), page)
        taken += ids
        expected.update(dict.fromkeys(ids, f"page-{page}"))
        await run.advance(run.rng.uniform(0.5, 3.0))  # booting
        if run.rng.random() < LEAVE_DURING_BOOT:
            _keep(run, page, calls)
            continue
        tab = run.open()
        run.tabs[0] = tab
        facade = Facade(tab)
        for name, *args in calls:  # __attach: the stub's queue first, in order
            facade.call(str(name), args)
        for record in _take(run):
            facade.call(REPLAY_NAME, [record])
        later, ids = _calls(run, len(taken), min(run.rng.randint(0, 3), count - len(taken)), page)
        taken += ids
        expected.update(dict.fromkeys(ids, f"page-{page}"))
        for name, *args in later:
            facade.call(str(name), args)
            await run.advance(run.rng.expovariate(2.0))
    if tab is None:  # the last page left during boot: one more page boots and replays
        tab = run.open()
        run.tabs[0] = tab
        for record in _take(run):
            Facade(tab).call(REPLAY_NAME, [record])
    return taken, expected
