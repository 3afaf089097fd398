"""The fault plan: scripted failures of the next ``POST /collect`` calls (retry tests, demo).

This module owns the FIFO of pending faults and the validation of a fault request body
(``{"status": 503, "count": 2, "retryAfter": 1}``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from demo.collector.errors import Rejected


@dataclass(frozen=True)
class Fault:
    """One scripted failure of ``POST /collect``: status and optional Retry-After seconds."""

    status: int
    retry_after: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The fault as JSON."""
        return {"status": self.status, "retryAfter": self.retry_after}

    def rejection(self) -> Rejected:
        """The error answer this fault makes a collect call give."""
        headers = None if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return Rejected(self.status, "Injected failure (demo /api/faults)", headers=headers)


class FaultPlan:
    """A FIFO of scripted failures consumed by the next collect requests."""

    MAX_PENDING = 1000

    def __init__(self) -> None:
        self._pending: deque[Fault] = deque()

    def add(self, fault: Fault, count: int) -> None:
        """Queue ``count`` copies of ``fault``."""
        room = self.MAX_PENDING - len(self._pending)
        self._pending.extend([fault] * min(count, room))

    def take(self) -> Fault | None:
        """Pop the next fault, if any."""
        return self._pending.popleft() if self._pending else None

    def clear(self) -> None:
        """Drop every pending fault."""
        self._pending.clear()

    def to_json(self) -> list[dict[str, Any]]:
        """The pending faults as JSON."""
        return [f.to_json() for f in self._pending]


def parse_fault(payload: Any) -> tuple[Fault, int]:
    """Validate a fault request body; return the fault and how many times to apply it."""
    if not isinstance(payload, dict):
        raise Rejected(422, "Expected an object like {status, count, retryAfter}", field="")
    status = payload.get("status")
    count = payload.get("count", 1)
    retry_after = payload.get("retryAfter")
    if type(status) is not int or not 400 <= status <= 599:
        raise Rejected(422, "status must be an integer HTTP error status (400-599)", field="status")
    if type(count) is not int or not 1 <= count <= FaultPlan.MAX_PENDING:
        raise Rejected(422, f"count must be an integer 1..{FaultPlan.MAX_PENDING}", field="count")
    if retry_after is not None and (type(retry_after) is not int or not 0 <= retry_after <= 3600):
        raise Rejected(422, "retryAfter must be an integer 0..3600 (seconds)", field="retryAfter")
    return Fault(status=status, retry_after=retry_after), count
