"""Tests of the Dispatcher and of outcomes: request building and answer classification."""

import asyncio
import json

import pytest

from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.delivery.dispatch import HEADERS, KEEPALIVE_LIMIT_BYTES, Dispatcher
from xo_web.delivery.outcome import Attempt, SendOutcome, is_retryable, is_success
from xo_web.errors import TransportError
from xo_web.testing import MockTransport
from xo_web.wire import dumps, utf8_len

URL = "https://collect-eu.attraqt.io/k"
BATCH = [{"action": "view", "target": {"product": "p"}}]


def dispatcher(transport: MockTransport) -> Dispatcher:
    """Return a Dispatcher over `transport`."""
    return Dispatcher(transport, endpoint=URL, timeout_s=5.0)


def body_of(batch: object) -> tuple[str, int]:
    """Return the request body of `batch` and its UTF-8 size."""
    text = dumps(batch)
    return text, utf8_len(text)


def attempt(response: HttpResponse | Exception) -> Attempt:
    """Send BATCH once against a transport answering `response` (or raising it)."""

    def handler(request: HttpRequest) -> HttpResponse:
        if isinstance(response, Exception):
            raise response
        return response

    return asyncio.run(dispatcher(MockTransport(handler)).attempt(body_of(BATCH), keepalive=True))


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


def test_request_sets_url_headers_and_timeout() -> None:
    """The request carries the endpoint, the two headers and the timeout."""
    request = dispatcher(MockTransport()).request(body_of(BATCH), keepalive=True)
    assert (request.url, dict(request.headers), request.timeout_s) == (URL, dict(HEADERS), 5.0)


def test_request_keepalive_up_to_the_limit() -> None:
    """keepalive is on for bodies of at most 64 KiB."""
    padding = KEEPALIVE_LIMIT_BYTES - len(dumps([{"a": ""}]))
    request = dispatcher(MockTransport()).request(body_of([{"a": "x" * padding}]), keepalive=True)
    assert len(request.body.encode()) == KEEPALIVE_LIMIT_BYTES
    assert request.keepalive is True


def test_request_no_keepalive_over_the_limit() -> None:
    """Bodies over 64 KiB (in UTF-8 bytes) go without keepalive."""
    body = body_of([{"a": "é" * KEEPALIVE_LIMIT_BYTES}])
    assert dispatcher(MockTransport()).request(body, keepalive=True).keepalive is False


def test_request_no_keepalive_unless_asked() -> None:
    """A small body goes without keepalive when the caller does not ask for it."""
    assert dispatcher(MockTransport()).request(body_of(BATCH), keepalive=False).keepalive is False


def test_attempt_sends_the_body() -> None:
    """The transport receives the encoded batch."""
    transport = MockTransport()
    asyncio.run(dispatcher(transport).attempt(body_of(BATCH), keepalive=False))
    assert json.loads(transport.requests[0].body) == BATCH


def test_mock_transport_can_start_requests() -> None:
    """A Starter transport (MockTransport) lets the dispatcher begin requests synchronously."""
    assert dispatcher(MockTransport()).can_start is True


def test_a_transport_without_start_cannot_start_requests() -> None:
    """A send-only transport is declared unable to start, and a start fails as retryable."""

    class SendOnly:
        async def send(self, request: HttpRequest) -> HttpResponse:
            return HttpResponse(200)

    only = Dispatcher(SendOnly(), endpoint=URL, timeout_s=5.0)
    result = asyncio.run(_await(only.start(body_of(BATCH))))
    assert (only.can_start, result.outcome.ok, result.retryable) == (False, False, True)


async def _await(pending: "asyncio.Future[Attempt] | object") -> Attempt:
    result = await pending  # type: ignore[misc]
    assert isinstance(result, Attempt)
    return result


def test_success_parses_profiles() -> None:
    """A 2xx answer's profiles are returned; nothing is reported."""
    result = attempt(HttpResponse(200, {}, '{"profiles": {"a": 1}}'))
    assert (result.outcome, result.retryable) == (SendOutcome(200, True, {"a": 1}, None), False)


@pytest.mark.parametrize("body", ["", "not json", "[1, 2]", '{"profiles": [1]}', "{}"])
def test_success_with_odd_body_has_no_profiles(body: str) -> None:
    """Unparsable or unexpected bodies give profiles None, still ok."""
    assert attempt(HttpResponse(200, {}, body)).outcome == SendOutcome(200, True, None, None)


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
    assert attempt(HttpResponse(404, {}, body)).outcome == SendOutcome(404, False, None, error)


def test_client_error_is_permanent() -> None:
    """A 4xx is not retryable, and its message names the status and the collector's words."""
    result = attempt(HttpResponse(400, {}, '{"message": "bad"}'))
    assert (result.retryable, result.message) == (False, "the collector answered HTTP 400: bad")


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_retryable_status_is_retryable(status: int) -> None:
    """408, 429 and 5xx are retryable, with their status."""
    result = attempt(HttpResponse(status, {}, ""))
    assert (result.outcome.status, result.retryable) == (status, True)


def test_retry_after_is_kept() -> None:
    """A Retry-After header of a failed answer reaches the Attempt."""
    assert attempt(HttpResponse(429, {"retry-after": "7"}, "")).retry_after == "7"


def test_network_error_gives_status_zero() -> None:
    """A TransportError becomes status 0, ok False, retryable."""
    result = attempt(TransportError("Failed to fetch"))
    assert result.outcome == SendOutcome(0, False, None, "network error: Failed to fetch")
    assert result.retryable is True


def test_timeout_says_so() -> None:
    """A timeout is described with the configured timeout."""
    outcome = attempt(TransportError("aborted", timeout=True)).outcome
    assert outcome.error == "network error: timed out after 5 s"


def test_plain_os_error_counts_as_network_failure() -> None:
    """An OSError from an adapter (pyodide's AbortError) is a retryable network failure."""
    result = attempt(OSError("AbortError"))
    assert (result.outcome.status, result.retryable) == (0, True)


def test_unexpected_transport_exception_is_contained() -> None:
    """A bug in a transport becomes a failed Attempt, not raised, and not retried."""
    result = attempt(KeyError("boom"))
    assert (result.outcome.status, result.outcome.ok, result.retryable) == (0, False, False)


def test_async_handler_is_awaited() -> None:
    """MockTransport handlers may be coroutines."""

    async def handler(request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0)
        return HttpResponse(201, {}, '{"profiles": {}}')

    pending = dispatcher(MockTransport(handler)).attempt(body_of(BATCH), keepalive=False)
    assert asyncio.run(pending).outcome == SendOutcome(201, True, {}, None)


def test_send_outcome_is_frozen() -> None:
    """Outcomes are immutable values."""
    outcome = SendOutcome(200, True, None, None)
    with pytest.raises(AttributeError):
        outcome.ok = False  # type: ignore[misc]


def test_send_outcome_is_not_queued_by_default() -> None:
    """queued defaults to False (the retry outbox will set it)."""
    assert SendOutcome(200, True, None, None).queued is False
