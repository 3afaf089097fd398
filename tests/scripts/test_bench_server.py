"""The server benchmarks' pure parts: the percentile and the stand-in upstream."""

import asyncio

import pytest

from scripts.bench_server.relay import UPSTREAM_REPLY, percentile, upstream_app
from xo_web.server.relay.upstream import httpx


def test_percentile_is_by_nearest_rank():
    """p50 and p99 of 1..100 are 50 and 99; no values give 0."""
    values = [float(n) for n in range(100, 0, -1)]
    assert (percentile(values, 50), percentile(values, 99)) == (50.0, 99.0)
    assert percentile([], 50) == 0.0


@pytest.mark.parametrize("path", ["/bench-key", "/other"])
def test_the_stand_in_upstream_answers_every_post_with_empty_profiles(path):
    """The bench's collector answers 200 {"profiles": {}} to any POST."""

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=upstream_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://u.test") as http:
            return await http.post(path, content=b"[]")

    answer = asyncio.run(post())
    assert (answer.status_code, answer.content) == (200, UPSTREAM_REPLY)
