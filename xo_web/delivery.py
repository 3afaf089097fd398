"""Delivery: turns a batch of wire dicts into a request, sends it, and classifies the answer.

`Dispatcher.dispatch(batch)` is the seam the Tracker calls; it never raises for delivery
problems. HTTP errors are outcomes, not exceptions: 2xx is success; 408, 425, 429 and 5xx and
network failures are retryable; other statuses are permanent. Every failure is passed to
`report` as a `DeliveryError`. (A later step puts a persisted retry outbox behind this seam,
under storage keys starting with STORAGE_PREFIX.)
"""

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from xo_web.errors import DeliveryError, TransportError
from xo_web.models import dumps
from xo_web.ports import Clock, HttpRequest, HttpResponse, Transport

STORAGE_PREFIX = "attraqt"
KEEPALIVE_LIMIT_BYTES = 64 * 1024
HEADERS: Mapping[str, str] = {"Content-Type": "application/json", "X-SDK": "1"}
RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class SendOutcome:
    """What became of a send: the HTTP status (0 without a response), the parsed profiles."""

    status: int
    ok: bool
    profiles: dict[str, object] | None
    error: str | None
    queued: bool = False


def is_success(status: int) -> bool:
    """Return True for a 2xx status."""
    return 200 <= status < 300


def is_retryable(status: int) -> bool:
    """Return True when a batch that got `status` may succeed if sent again (0: no response)."""
    return status == 0 or status in RETRYABLE_STATUSES or 500 <= status < 600


def encode_batch(batch: Sequence[Mapping[str, object]]) -> str:
    """Return the request body: always a JSON array, compact, UTF-8, no NaN."""
    return dumps(list(batch))


class Dispatcher:
    """Sends batches to one collector endpoint through a Transport."""

    def __init__(
        self,
        transport: Transport,
        *,
        endpoint: str,
        timeout_s: float,
        report: Callable[[DeliveryError], None],
        clock: Clock = time.time,
    ) -> None:
        self.transport = transport
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self._report = report
        self._clock = clock

    def build_request(self, batch: Sequence[Mapping[str, object]]) -> HttpRequest:
        """Return the POST for `batch`; keepalive when the body fits the browser's limit."""
        body = encode_batch(batch)
        return HttpRequest(
            url=self.endpoint,
            body=body,
            headers=dict(HEADERS),
            keepalive=len(body.encode("utf-8")) <= KEEPALIVE_LIMIT_BYTES,
            timeout_s=self.timeout_s,
        )

    async def dispatch(self, batch: Sequence[Mapping[str, object]]) -> SendOutcome:
        """Send `batch` and return its outcome; failures are reported, never raised."""
        request = self.build_request(batch)
        try:
            response = await self.transport.send(request)
        except TransportError as exc:
            detail = f"timed out after {self.timeout_s:g} s" if exc.timeout else str(exc)
            return self._fail(0, f"network error: {detail or 'request failed'}", retryable=True)
        except OSError as exc:
            return self._fail(0, f"network error: {exc or 'request failed'}", retryable=True)
        except Exception as exc:
            return self._fail(0, f"transport failed: {type(exc).__name__}: {exc}", retryable=False)
        return self._classify(response)

    def _classify(self, response: HttpResponse) -> SendOutcome:
        payload = _parse_json(response.body)
        if is_success(response.status):
            profiles = payload.get("profiles") if isinstance(payload, dict) else None
            return SendOutcome(
                status=response.status,
                ok=True,
                profiles=profiles if isinstance(profiles, dict) else None,
                error=None,
            )
        detail = _error_detail(payload) or f"HTTP {response.status}"
        return self._fail(
            response.status,
            detail,
            retryable=is_retryable(response.status),
            message=f"the collector answered HTTP {response.status}: {detail}",
        )

    def _fail(
        self, status: int, detail: str, *, retryable: bool, message: str | None = None
    ) -> SendOutcome:
        self._report(DeliveryError(message or detail, status=status, retryable=retryable))
        return SendOutcome(status=status, ok=False, profiles=None, error=detail)


def _parse_json(body: str) -> object:
    """Parse a response body leniently: anything unparsable is None."""
    try:
        return json.loads(body)
    except Exception:
        return None


def _error_detail(payload: object) -> str | None:
    """Return "error: message" from a collector error body, or whichever of them is present."""
    if not isinstance(payload, dict):
        return None
    parts = [payload.get(key) for key in ("error", "message")]
    texts = [part.strip() for part in parts if isinstance(part, str) and part.strip()]
    return ": ".join(dict.fromkeys(texts)) or None
