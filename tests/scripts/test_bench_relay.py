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


def test_the_bench_server_section_reports_the_added_latency(monkeypatch):
    """run() turns each worker count's figure into a row: added p50/p99, rates in the note."""
    import sys
    import types
    from collections import namedtuple

    from scripts.bench_server import relay

    common = types.ModuleType("scripts.bench_server.common")
    Row = namedtuple("Row", "name p50_ms p99_ms delivered_per_s note")
    setattr(common, "Row", Row)  # noqa: B010
    monkeypatch.setitem(sys.modules, "scripts.bench_server.common", common)
    figure = {"workers": 4, "direct_rps": 900.0, "relay_rps": 300.0, "direct_p50": 1.0,
              "direct_p99": 3.0, "relay_p50": 2.5, "relay_p99": 9.0, "failures": 0}  # fmt: skip
    monkeypatch.setattr(relay, "measure_all", lambda args: [figure])
    [row] = relay.run(object())
    assert (row.name, row.p50_ms, row.p99_ms, row.delivered_per_s) == (
        "xo_web relay, 4 worker(s)", 1.5, 6.0, None)  # fmt: skip
    assert "relay 300 req/s vs direct 900 req/s" in row.note
