"""What a request came to: the collector's answer classified, and what a send resolves with.

2xx is success (decided by the status alone; the body's `profiles` are parsed leniently);
408, 425, 429, 5xx and network failures are retryable; any other status is a refusal for good.
400, 413 and 422 for a request that merged several sends are narrowed down one send at a time.
"""

import json
from dataclasses import dataclass

from xo_web.core.ports import HttpResponse

RETRYABLE_STATUSES = frozenset({408, 425, 429})
SPLIT_STATUSES = frozenset({400, 413, 422})
MAX_DETAIL_CHARS = 500


@dataclass(frozen=True)
class SendOutcome:
    """What became of a send: the HTTP status (0 without a response), the parsed profiles.

    `queued` is True when the batch stays in the persisted outbox to be retried.
    """

    status: int
    ok: bool
    profiles: dict[str, object] | None
    error: str | None
    queued: bool = False


@dataclass(frozen=True)
class Attempt:
    """One request's result: the outcome, whether a retry may succeed, and `Retry-After`."""

    outcome: SendOutcome
    retryable: bool
    retry_after: str | None = None
    message: str = ""


def is_success(status: int) -> bool:
    """Return True for a 2xx status."""
    return 200 <= status < 300


def is_retryable(status: int) -> bool:
    """Return True when a batch that got `status` may succeed if sent again (0: no response)."""
    return status == 0 or status in RETRYABLE_STATUSES or 500 <= status < 600


def failed_attempt(
    status: int,
    detail: str,
    *,
    retryable: bool,
    message: str | None = None,
    retry_after: str | None = None,
) -> Attempt:
    """Return the Attempt of a request that did not succeed."""
    outcome = SendOutcome(status=status, ok=False, profiles=None, error=detail)
    return Attempt(outcome, retryable, retry_after, message or detail)


def classify(response: HttpResponse) -> Attempt:
    """Return the Attempt a collector response amounts to."""
    status = response.status
    if is_success(status):
        payload = _parse_json(response.body)
        profiles = payload.get("profiles") if isinstance(payload, dict) else None
        outcome = SendOutcome(status, True, profiles if isinstance(profiles, dict) else None, None)
        return Attempt(outcome, False)
    detail = _error_detail(_parse_json(response.body)) or f"HTTP {status}"
    return failed_attempt(
        status,
        detail,
        retryable=is_retryable(status),
        message=f"the collector answered HTTP {status}: {detail}",
        retry_after=response.headers.get("retry-after"),
    )


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
    texts = [p.strip()[:MAX_DETAIL_CHARS] for p in parts if isinstance(p, str) and p.strip()]
    return ": ".join(dict.fromkeys(texts)) or None
