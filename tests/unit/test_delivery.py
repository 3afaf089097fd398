"""Tests of the Dispatcher: request building, response classification and failure reports."""

import asyncio
import json

import pytest

from xo_web.delivery import (
    HEADERS,
    KEEPALIVE_LIMIT_BYTES,
    Dispatcher,
    SendOutcome,
    encode_batch,
    is_retryable,
    is_success,
)
from xo_web.errors import DeliveryError, TransportError
from xo_web.ports import HttpRequest, HttpResponse, MockTransport

URL = "https://collect-eu.attraqt.io/k"
BATCH = [{"action": "view", "target": {"product": "p"}}]


def dispatcher(transport: MockTransport, reports: list[DeliveryError]) -> Dispatcher:
    """Return a Dispatcher over `transport` that records reports."""
    return Dispatcher(transport, endpoint=URL, timeout_s=5.0, report=reports.append)


def dispatch(response: HttpResponse | Exception) -> tuple[SendOutcome, list[DeliveryError]]:
    """Dispatch BATCH against a transport answering `response` (or raising it)."""

    def handler(request: HttpRequest) -> HttpResponse:
        if isinstance(response, Exception):
            raise response
        return response

    reports: list[DeliveryError] = []
    outcome = asyncio.run(dispatcher(MockTransport(handler), reports).dispatch(BATCH))
    return outcome, reports


@pytest.mark.parametrize(("status", "ok"), [(200, True), (202, True), (299, True), (300, False)])
def test_is_success(status: int, ok: bool) -> None:
    """Only 2xx statuses are success."""
    assert is_success(status) is ok


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (0, True),
        (408, True),
        (425, True),
        (429, True),
        (500, True),
        (503, True),
        (599, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (413, False),
        (422, False),
    ],
)
def test_is_retryable(status: int, retryable: bool) -> None:
    """Network failures, 408, 425, 429 and 5xx may succeed later; other 4xx never will."""
    assert is_retryable(status) is retryable


def test_encode_batch_is_a_compact_array() -> None:
    """The body is a JSON array without spaces."""
    assert encode_batch(BATCH) == '[{"action":"view","target":{"product":"p"}}]'


def test_build_request_sets_url_headers_and_timeout() -> None:
    """The request carries the endpoint, the two headers and the timeout."""
    request = dispatcher(MockTransport(), []).build_request(BATCH)
    assert (request.url, dict(request.headers), request.timeout_s) == (URL, dict(HEADERS), 5.0)


def test_build_request_keepalive_up_to_the_limit() -> None:
    """keepalive is on for bodies of at most 64 KiB."""
    padding = KEEPALIVE_LIMIT_BYTES - len(encode_batch([{"a": ""}]))
    request = dispatcher(MockTransport(), []).build_request([{"a": "x" * padding}])
    assert len(request.body.encode()) == KEEPALIVE_LIMIT_BYTES
    assert request.keepalive is True


def test_build_request_no_keepalive_over_the_limit() -> None:
    """Bodies over 64 KiB (in UTF-8 bytes) go without keepalive."""
    request = dispatcher(MockTransport(), []).build_request([{"a": "é" * KEEPALIVE_LIMIT_BYTES}])
    assert request.keepalive is False


def test_dispatch_sends_the_batch() -> None:
    """The transport receives the encoded batch."""
    transport = MockTransport()
    asyncio.run(dispatcher(transport, []).dispatch(BATCH))
    assert json.loads(transport.requests[0].body) == BATCH


def test_success_parses_profiles() -> None:
    """A 2xx answer's profiles are returned; nothing is reported."""
    outcome, reports = dispatch(HttpResponse(200, {}, '{"profiles": {"a": 1}}'))
    assert (outcome, reports) == (SendOutcome(200, True, {"a": 1}, None), [])


@pytest.mark.parametrize("body", ["", "not json", "[1, 2]", '{"profiles": [1]}', "{}"])
def test_success_with_odd_body_has_no_profiles(body: str) -> None:
    """Unparsable or unexpected bodies give profiles None, still ok."""
    outcome, _ = dispatch(HttpResponse(200, {}, body))
    assert outcome == SendOutcome(200, True, None, None)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            '{"error": "Not Found", "message": "Unknown tracker key"}',
            "Not Found: Unknown tracker key",
        ),
        ('{"message": "Unknown tracker key"}', "Unknown tracker key"),
        ('{"error": "Bad Request"}', "Bad Request"),
        ('{"error": "Same", "message": "Same"}', "Same"),
        ('{"error": 5}', "HTTP 404"),
        ("<html>nope</html>", "HTTP 404"),
        ("", "HTTP 404"),
    ],
)
def test_client_error_message_comes_from_the_body(body: str, error: str) -> None:
    """The outcome's error is the collector's error/message, or the status."""
    outcome, _ = dispatch(HttpResponse(404, {}, body))
    assert outcome == SendOutcome(404, False, None, error)


def test_client_error_is_reported_as_permanent() -> None:
    """A 4xx is reported once, not retryable, with the status."""
    _, reports = dispatch(HttpResponse(400, {}, '{"message": "bad"}'))
    assert [(r.status, r.retryable, str(r)) for r in reports] == [
        (400, False, "the collector answered HTTP 400: bad")
    ]


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_retryable_status_is_reported_as_retryable(status: int) -> None:
    """408, 429 and 5xx are reported as retryable."""
    _, reports = dispatch(HttpResponse(status, {}, ""))
    assert [(r.status, r.retryable) for r in reports] == [(status, True)]


def test_network_error_gives_status_zero() -> None:
    """A TransportError becomes status 0, ok False, reported as retryable."""
    outcome, reports = dispatch(TransportError("Failed to fetch"))
    assert outcome == SendOutcome(0, False, None, "network error: Failed to fetch")
    assert [(r.status, r.retryable) for r in reports] == [(0, True)]


def test_timeout_says_so() -> None:
    """A timeout is described with the configured timeout."""
    outcome, _ = dispatch(TransportError("aborted", timeout=True))
    assert outcome.error == "network error: timed out after 5 s"


def test_plain_os_error_counts_as_network_failure() -> None:
    """An OSError from an adapter (pyodide's AbortError) is a retryable network failure."""
    outcome, reports = dispatch(OSError("AbortError"))
    assert (outcome.status, reports[0].retryable) == (0, True)


def test_unexpected_transport_exception_is_contained() -> None:
    """A bug in a transport is reported, not raised, and not retried."""
    outcome, reports = dispatch(KeyError("boom"))
    assert (outcome.status, outcome.ok, reports[0].retryable) == (0, False, False)


def test_async_handler_is_awaited() -> None:
    """MockTransport handlers may be coroutines."""

    async def handler(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0)
        return HttpResponse(201, {}, '{"profiles": {}}')

    outcome = asyncio.run(dispatcher(MockTransport(handler), []).dispatch(BATCH))
    assert outcome == SendOutcome(201, True, {}, None)


def test_send_outcome_is_frozen() -> None:
    """Outcomes are immutable values."""
    outcome = SendOutcome(200, True, None, None)
    with pytest.raises(AttributeError):
        outcome.ok = False  # type: ignore[misc]


def test_send_outcome_is_not_queued_by_default() -> None:
    """queued defaults to False (the retry outbox will set it)."""
    assert SendOutcome(200, True, None, None).queued is False
