"""Spooling end to end: the collector down, the relay records the batch in the server outbox
and answers 202; the outbox's sender delivers it once the collector is back."""

import asyncio
import json

from tests.server.kit import FAST
from tests.server.relay.helpers import ACTIVITY, KEY, ORIGIN, headers
from tests.support.sink import Scripted, Sink
from xo_web.server.relay import make_relay_config
from xo_web.server.relay.app import RelayApp
from xo_web.server.relay.outbox import OutboxSpool
from xo_web.server.relay.upstream import httpx


async def post_and_wait(app: RelayApp, sink: Sink) -> tuple[int, object]:
    """POST one batch to the relay, then wait (on this loop, where the sender runs) for it."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://relay.test") as http:
        answer = await http.post(
            f"/xo-relay/{KEY}", content=json.dumps([ACTIVITY]), headers=headers()
        )
    for _ in range(400):  # bounded: at most 20 s
        if sink.accepted():
            break
        await asyncio.sleep(0.05)
    await app.aclose()
    return answer.status_code, answer.json()


def test_upstream_down_with_spooling_answers_202_and_the_sender_delivers_later(outbox, sink):
    """503 from the collector: 202 to the browser; the outbox delivers the activity, as sent."""
    sink.then(Scripted(503), Scripted(503))  # the relay's call, then the sender's first try
    config = make_relay_config([KEY], [ORIGIN], collect_url=sink.url)
    app = RelayApp(config, spool=OutboxSpool(outbox, config, settings=FAST))
    status, body = asyncio.run(post_and_wait(app, sink))
    assert (status, body) == (202, {"spooled": 1, "profiles": None})
    assert sink.accepted() == [ACTIVITY]
    assert [r.status for r in sink.requests] == [503, 503, 200]
    assert all(r.path == f"/{KEY}" for r in sink.requests)
