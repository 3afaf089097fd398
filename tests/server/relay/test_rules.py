"""The relay is never an open proxy: what it refuses, and that nothing refused goes upstream."""

import json

import pytest

from tests.server.relay.helpers import (
    ACTIVITY,
    KEY,
    ORIGIN,
    SESSION,
    Collector,
    call,
    headers,
    make_app,
)
from xo_web.errors import ConfigError
from xo_web.server.relay import make_relay_config


def test_a_configured_key_is_relayed_to_the_pinned_upstream():
    """A valid batch goes to collect-eu.attraqt.io/KEY and the collector's answer comes back."""
    collector = Collector()
    answer = call(make_app(collector))
    assert answer.status_code == 200
    assert answer.json() == {"profiles": {"sessionid": SESSION}}
    assert [str(r.url) for r in collector.seen] == [f"https://collect-eu.attraqt.io/{KEY}"]


def test_another_key_is_refused_and_nothing_goes_upstream():
    """A tracker key the relay was not configured with gets 404."""
    collector = Collector()
    answer = call(make_app(collector), path="/xo-relay/someone-else")
    assert (answer.status_code, answer.json()["error"]) == (404, "unknown_tracker_key")
    assert collector.seen == []


def test_another_host_in_the_path_is_refused():
    """A path that names a host (an open-proxy probe) is no configured key: 404."""
    collector = Collector()
    answer = call(make_app(collector), path="/xo-relay/evil.example%2Fshop-key")
    assert answer.status_code == 404
    assert collector.seen == []


def test_the_host_header_does_not_choose_the_upstream():
    """The upstream comes from the configuration: a request's Host header changes nothing."""
    collector = Collector()
    call(make_app(collector, collect_url="http://127.0.0.1:9"), sent=headers(Host="evil.example"))
    assert [str(r.url) for r in collector.seen] == [f"http://127.0.0.1:9/{KEY}"]


def test_collect_url_replaces_the_base_as_in_the_browser():
    """--collect-url replaces https://collect-{region}.attraqt.io and URL-encodes the key."""
    config = make_relay_config(["a/b"], [ORIGIN], collect_url="http://127.0.0.1:8000/collect/")
    assert config.upstreams == {"a/b": "http://127.0.0.1:8000/collect/a%2Fb"}


def test_a_wildcard_origin_cannot_be_configured():
    """Allowed origins are named one by one: '*' is refused at configuration."""
    with pytest.raises(ConfigError):
        make_relay_config([KEY], ["*"])


def test_a_wrong_method_is_refused():
    """GET gets 405 with Allow: POST."""
    collector = Collector()
    answer = call(make_app(collector), method="GET", body=b"")
    assert (answer.status_code, answer.headers["allow"]) == (405, "POST")
    assert collector.seen == []


def test_a_wrong_content_type_is_refused():
    """A text/plain body (what a no-preflight beacon would send) gets 415."""
    collector = Collector()
    answer = call(make_app(collector), sent=headers(Content_Type="text/plain"))
    assert answer.status_code == 415
    assert collector.seen == []


def test_a_declared_oversize_body_is_refused():
    """A body over the cap gets 413."""
    collector = Collector()
    answer = call(make_app(collector, max_body_bytes=100), body=b"[" + b" " * 200 + b"]")
    assert answer.status_code == 413
    assert collector.seen == []


def test_an_undeclared_oversize_body_is_counted_and_refused():
    """A chunked body (no Content-Length) is counted as its chunks arrive: 413 past the cap."""
    collector = Collector()
    answer = call(
        make_app(collector, max_body_bytes=100), body=[b"[" + b" " * 60, b" " * 60 + b"]"]
    )
    assert answer.status_code == 413
    assert collector.seen == []


def test_a_chunked_body_under_the_cap_is_relayed_whole():
    """The chunks of a body under the cap are joined and relayed byte for byte."""
    collector = Collector()
    body = json.dumps([ACTIVITY]).encode()
    answer = call(make_app(collector), body=[body[:10], body[10:]])
    assert answer.status_code == 200
    assert collector.seen[0].content == body


def test_bad_json_is_refused():
    """A body that is not JSON gets 400 invalid_json."""
    collector = Collector()
    answer = call(make_app(collector), body=b"[{")
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_json")
    assert collector.seen == []


def test_a_bad_field_is_refused_by_name():
    """An activity that the wire models refuse gets 400 naming the field."""
    collector = Collector()
    bad = [ACTIVITY, {**ACTIVITY, "target": {"product": 5}}]
    answer = call(make_app(collector), body=json.dumps(bad).encode())
    assert (answer.status_code, answer.json()["field"]) == (400, "[1].target.product")
    assert collector.seen == []


def test_a_foreign_origin_is_refused():
    """A page of another origin gets 403 and no CORS grant."""
    collector = Collector()
    answer = call(make_app(collector), sent=headers(Origin="https://evil.example"))
    assert answer.status_code == 403
    assert "access-control-allow-origin" not in answer.headers
    assert collector.seen == []


def test_an_opaque_origin_is_refused_even_with_an_allowed_referer():
    """A sandboxed frame sends `Origin: null`, which any site can send: 403, whatever Referer."""
    collector = Collector()
    sent = headers(Origin="null", Referer=f"{ORIGIN}/frame.html")
    answer = call(make_app(collector), sent=sent)
    assert (answer.status_code, answer.json()["error"]) == (403, "origin_not_allowed")
    assert collector.seen == []


def test_a_request_without_origin_or_referer_is_refused():
    """Browsers send Origin with every POST: a request with neither header gets 403."""
    sent = headers()
    del sent["Origin"]
    answer = call(make_app(Collector()), sent=sent)
    assert (answer.status_code, answer.json()["error"]) == (403, "origin_required")


def test_a_referer_of_an_allowed_origin_is_accepted():
    """Without Origin, the Referer's origin is checked instead."""
    sent = headers(Referer=f"{ORIGIN}/product/p-1")
    del sent["Origin"]
    assert call(make_app(Collector()), sent=sent).status_code == 200


def test_a_repeated_key_is_refused():
    """An object with a key twice is refused: the collector might read the other value."""
    collector = Collector()
    body = b'[{"action": "view", "action": "purchase", "target": {}}]'
    answer = call(make_app(collector), body=body)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_json")
    assert "repeated" in answer.json()["message"]
    assert collector.seen == []


def test_nan_is_refused():
    """NaN is not JSON (browsers never send it): 400."""
    body = b'[{"action": "view", "target": {}, "metadata": {"price": NaN}}]'
    assert call(make_app(Collector()), body=body).status_code == 400
