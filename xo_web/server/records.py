"""What the outbox's store answers: a claim (rows leased to one sender) and a status."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """Rows leased to one sender: all for one endpoint, oldest first."""

    endpoint: str
    ids: list[int]
    bodies: list[str]
    attempts: int  # the highest claim count among the rows, this claim included


@dataclass(frozen=True)
class Status:
    """What the outbox holds now."""

    pending: int
    due: int
    leased: int
    dead: int
    oldest_age_s: float | None
    next_due_in_s: float | None


__all__ = ["Claim", "Status"]
