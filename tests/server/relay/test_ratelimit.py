"""The per-client rate limit."""

from tests.server.relay.helpers import Collector, call, headers, make_app
from xo_web.server.relay.ratelimit import RateLimiter, client_address
from xo_web.testing import FakeClock


def test_a_client_over_its_burst_gets_429_with_retry_after():
    """The third request of a client allowed a burst of 2 gets 429 and Retry-After."""
    collector = Collector()
    app = make_app(collector, rate_per_second=0.5, rate_burst=2)
    statuses = [call(app).status_code for _ in range(3)]
    refused = call(app)
    assert statuses == [200, 200, 429]
    assert refused.headers["retry-after"] == "2"
    assert len(collector.seen) == 2


def test_the_limit_is_per_client():
    """Another client is not limited by the first one's requests."""
    app = make_app(Collector(), rate_per_second=0.5, rate_burst=1)
    assert call(app, client=("203.0.113.7", 1)).status_code == 200
    assert call(app, client=("203.0.113.7", 1)).status_code == 429
    assert call(app, client=("203.0.113.8", 1)).status_code == 200


def test_tokens_come_back_with_time():
    """After waiting the advertised time, the client may send again."""
    clock = FakeClock()
    limiter = RateLimiter(2.0, 1, clock=clock)
    assert limiter.take("c") == 0
    wait = limiter.take("c")
    assert wait == 0.5
    clock.advance(wait)
    assert limiter.take("c") == 0


def test_the_tracked_clients_are_bounded():
    """The buckets never outgrow max_clients: the least recently seen client is forgotten."""
    limiter = RateLimiter(1.0, 1, clock=FakeClock(), max_clients=2)
    for client in ("a", "b", "c"):
        limiter.take(client)
    assert limiter.take("a") == 0  # "a" was forgotten, so it starts with a full bucket


def test_behind_a_local_proxy_each_visitor_has_its_own_bucket():
    """A loopback proxy is trusted by default: visitors it forwards are limited one by one."""
    app = make_app(Collector(), rate_per_second=0.5, rate_burst=1)
    local = ("127.0.0.1", 1)
    first = call(app, client=local, sent=headers(X_Forwarded_For="198.51.100.1"))
    second = call(app, client=local, sent=headers(X_Forwarded_For="198.51.100.2"))
    again = call(app, client=local, sent=headers(X_Forwarded_For="198.51.100.1"))
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)


def test_a_unix_socket_peer_is_a_local_proxy():
    """A peer without an address (a Unix socket) may tell the client IP."""
    assert client_address(None, "198.51.100.1", ()) == "198.51.100.1"
    assert client_address(None, None, ()) is None
