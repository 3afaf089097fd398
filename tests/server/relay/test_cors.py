"""CORS for the allowed origins: the grant on answers and the preflight."""

from tests.server.relay.helpers import ORIGIN, Collector, call, make_app

PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type,x-sdk",
}


def test_an_allowed_origin_gets_the_cors_grant():
    """A relayed answer names the page's origin and exposes Retry-After."""
    answer = call(make_app(Collector()))
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert answer.headers["access-control-expose-headers"] == "Retry-After"


def test_the_preflight_of_an_allowed_origin_is_answered():
    """OPTIONS from an allowed origin asking to POST with X-SDK gets 204 and the grant."""
    collector = Collector()
    answer = call(make_app(collector), method="OPTIONS", body=b"", sent=PREFLIGHT)
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == ORIGIN
    assert "X-SDK" in answer.headers["access-control-allow-headers"]
    assert collector.seen == []


def test_the_preflight_of_a_foreign_origin_is_refused():
    """OPTIONS from another origin gets 403 without a grant."""
    sent = {**PREFLIGHT, "Origin": "https://evil.example"}
    answer = call(make_app(Collector()), method="OPTIONS", body=b"", sent=sent)
    assert answer.status_code == 403
    assert "access-control-allow-origin" not in answer.headers


def test_the_preflight_for_other_headers_is_refused():
    """A preflight asking to send Authorization is refused: only Content-Type and X-SDK pass."""
    sent = {**PREFLIGHT, "Access-Control-Request-Headers": "content-type,authorization"}
    answer = call(make_app(Collector()), method="OPTIONS", body=b"", sent=sent)
    assert answer.status_code == 403
