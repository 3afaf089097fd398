"""What goes upstream besides the body: allow-listed headers, Via, the client IP by choice."""

from tests.server.relay.helpers import Collector, call, headers, make_app


def test_cookies_and_credentials_are_stripped():
    """Cookie, Authorization and hop-by-hop headers never reach the collector."""
    collector = Collector()
    sent = headers(
        Cookie="session=secret",
        Authorization="Bearer secret",
        Connection="keep-alive, X-Private",
        X_Private="secret",
        Proxy_Authorization="Basic secret",
        TE="trailers",
    )
    call(make_app(collector), sent=sent)
    upstream = {name.lower() for name in collector.seen[0].headers}
    stripped = {"cookie", "authorization", "x-private", "proxy-authorization", "te"}
    assert upstream & stripped == set()
    assert "secret" not in str(collector.seen[0].headers.raw)


def test_content_type_sdk_and_user_agent_are_forwarded():
    """Content-Type, X-SDK and User-Agent pass; Via says the batch came through the relay."""
    collector = Collector()
    call(make_app(collector), sent=headers(User_Agent="Mozilla/5.0 Test"))
    upstream = collector.seen[0].headers
    assert upstream["content-type"] == "application/json"
    assert upstream["x-sdk"] == "1"
    assert upstream["user-agent"] == "Mozilla/5.0 Test"
    assert upstream["via"] == "1.1 xo-web-relay"


def test_the_client_ip_is_absent_by_default():
    """Without the switch no X-Forwarded-For goes upstream, even one the client sent."""
    collector = Collector()
    call(make_app(collector), sent=headers(X_Forwarded_For="198.51.100.1"))
    assert "x-forwarded-for" not in collector.seen[0].headers
    assert "198.51.100.1" not in str(collector.seen[0].headers.raw)


def test_the_client_ip_is_forwarded_when_switched_on():
    """With forward_client_ip the peer's address goes upstream."""
    collector = Collector()
    call(make_app(collector, forward_client_ip=True), client=("203.0.113.7", 4000))
    assert collector.seen[0].headers["x-forwarded-for"] == "203.0.113.7"


def test_a_forwarded_for_from_an_untrusted_peer_is_ignored():
    """A client cannot choose its IP: X-Forwarded-For is read only from a trusted proxy."""
    collector = Collector()
    app = make_app(collector, forward_client_ip=True, trusted_proxies=["10.0.0.0/8"])
    call(app, sent=headers(X_Forwarded_For="198.51.100.1"), client=("203.0.113.7", 4000))
    assert collector.seen[0].headers["x-forwarded-for"] == "203.0.113.7"


def test_a_trusted_proxy_tells_the_client_ip():
    """Behind a trusted proxy the right-most untrusted X-Forwarded-For address is the client."""
    collector = Collector()
    app = make_app(collector, forward_client_ip=True, trusted_proxies=["10.0.0.0/8"])
    sent = headers(X_Forwarded_For="1.2.3.4, 198.51.100.1, 10.0.0.2")
    call(app, sent=sent, client=("10.0.0.1", 4000))
    assert collector.seen[0].headers["x-forwarded-for"] == "198.51.100.1"
