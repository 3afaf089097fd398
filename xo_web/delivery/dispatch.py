"""Sending one request body to the collector through the Transport, and classifying the answer.

`Dispatcher` owns the request: the endpoint, the headers, the timeout, and keepalive when the
body fits the browser's 64 KiB budget. `attempt` awaits the Transport; `start` begins a
keepalive request synchronously through a `Starter` transport (what a page-hide handler needs).
Transport failures become retryable Attempts; nothing is raised and nothing is reported here.
"""

from collections.abc import Awaitable, Mapping

from xo_web.core.ports import HttpRequest, HttpResponse, Starter, Transport
from xo_web.delivery.outcome import Attempt, classify, failed_attempt
from xo_web.errors import TransportError

HEADERS: Mapping[str, str] = {"Content-Type": "application/json", "X-SDK": "1"}
KEEPALIVE_LIMIT_BYTES = 64 * 1024

Body = tuple[str, int]
"""A request body: the JSON array text and its size in UTF-8 bytes."""


class Dispatcher:
    """Sends request bodies to one collector endpoint through a Transport."""

    def __init__(self, transport: Transport, *, endpoint: str, timeout_s: float) -> None:
        self.transport = transport
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self._starter = transport if isinstance(transport, Starter) else None

    @property
    def can_start(self) -> bool:
        """True when the transport can begin a request synchronously (core.ports.Starter)."""
        return self._starter is not None

    def request(self, body: Body, *, keepalive: bool) -> HttpRequest:
        """Return the POST carrying `body`; keepalive only when asked and the body fits."""
        text, size = body
        return HttpRequest(
            url=self.endpoint,
            body=text,
            headers=dict(HEADERS),
            keepalive=keepalive and size <= KEEPALIVE_LIMIT_BYTES,
            timeout_s=self.timeout_s,
        )

    async def attempt(self, body: Body, *, keepalive: bool) -> Attempt:
        """Send `body` once and classify the answer."""
        request = self.request(body, keepalive=keepalive)
        return await self._settle(self.transport.send(request))

    def start(self, body: Body) -> Awaitable[Attempt]:
        """Begin a keepalive request for `body` now; await the result for the Attempt.

        Only for a transport that `can_start`; any other gets a failed, retryable Attempt.
        """
        request = self.request(body, keepalive=True)
        if self._starter is None:
            return self._settle(_raising(TransportError("the transport cannot start requests")))
        try:
            pending = self._starter.start(request)
        except Exception as exc:
            pending = _raising(exc)
        return self._settle(pending)

    async def _settle(self, pending: Awaitable[HttpResponse]) -> Attempt:
        try:
            response = await pending
        except TransportError as exc:
            detail = f"timed out after {self.timeout_s:g} s" if exc.timeout else str(exc)
            return failed_attempt(0, f"network error: {detail or 'request failed'}", retryable=True)
        except OSError as exc:
            return failed_attempt(0, f"network error: {exc or 'request failed'}", retryable=True)
        except Exception as exc:
            detail = f"transport failed: {type(exc).__name__}: {exc}"
            return failed_attempt(0, detail, retryable=False)
        return classify(response)


async def _raising(exc: Exception) -> HttpResponse:
    raise exc
