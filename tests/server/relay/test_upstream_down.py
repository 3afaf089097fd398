"""The collector failing: 503/502 with Retry-After by default, 202 when a spool keeps the batch."""

from tests.server.relay.helpers import ACTIVITY, KEY, Collector, call, make_app
from xo_web.server.relay.upstream import httpx


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def timed_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


class FakeSpool:
    """Records what it is given, or fails when `broken`."""

    def __init__(self, *, broken: bool = False) -> None:
        self.broken = broken
        self.recorded: list[tuple[str, list[dict[str, object]]]] = []

    async def record(self, tracker_key: str, activities: list[dict[str, object]]) -> None:
        if self.broken:
            raise OSError("disk full")
        self.recorded.append((tracker_key, activities))

    async def aclose(self) -> None:
        pass


def test_a_refused_connection_answers_503_with_retry_after():
    """With the collector unreachable the browser gets 503 and Retry-After, so it retries."""
    answer = call(make_app(Collector(reply=refused), retry_after_s=7))
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "7")


def test_a_timeout_answers_503():
    """A collector that does not answer in time is down too."""
    assert call(make_app(Collector(reply=timed_out))).status_code == 503


def test_a_collector_5xx_answers_502_with_its_retry_after():
    """A 5xx upstream becomes 502, keeping the collector's Retry-After."""
    collector = Collector(reply=lambda r: httpx.Response(500, headers={"Retry-After": "3"}))
    answer = call(make_app(collector))
    assert (answer.status_code, answer.headers["retry-after"]) == (502, "3")


def test_a_collector_4xx_is_passed_on():
    """A permanent refusal by the collector (unknown key upstream) reaches the browser as is."""
    collector = Collector(reply=lambda r: httpx.Response(401, json={"error": "unknown key"}))
    answer = call(make_app(collector))
    assert (answer.status_code, answer.json()) == (401, {"error": "unknown key"})


def test_with_a_spool_a_down_collector_answers_202_and_the_batch_is_recorded():
    """Spooling: the batch is recorded durably and the browser gets 202 without profiles."""
    spool = FakeSpool()
    answer = call(make_app(Collector(reply=refused), spool=spool))
    assert answer.status_code == 202
    assert answer.json() == {"spooled": 1, "profiles": None}
    assert spool.recorded == [(KEY, [ACTIVITY])]


def test_with_a_spool_a_working_collector_is_still_called_directly():
    """The spool is a fallback: while the collector answers, nothing is recorded."""
    spool = FakeSpool()
    assert call(make_app(Collector(), spool=spool)).status_code == 200
    assert spool.recorded == []


def test_a_spool_that_cannot_record_answers_503():
    """When the spool fails the browser keeps the batch: 503 and Retry-After, never a 202."""
    answer = call(make_app(Collector(reply=refused), spool=FakeSpool(broken=True)))
    assert answer.status_code == 503
    assert "retry-after" in answer.headers


def test_a_collector_redirect_is_not_followed():
    """A redirect from the collector is never followed (the upstream is pinned): 502."""
    collector = Collector(
        reply=lambda r: httpx.Response(307, headers={"Location": "https://evil.example/"})
    )
    answer = call(make_app(collector))
    assert answer.status_code == 502
    assert "location" not in answer.headers
    assert len(collector.seen) == 1
