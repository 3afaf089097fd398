"""Constants and helpers shared by the server tests and their worker processes (no pytest)."""

from __future__ import annotations

from typing import Any

from xo_web.server import SenderSettings

KEY = "server-key"
SESSION = "c0ffee00-0000-4000-8000-000000000001"
USER = {"identities": {"sessionid": SESSION}}
# Test times: retries in tens of milliseconds, leases in seconds, idle polls every 50 ms.
FAST = SenderSettings(
    retry_base_s=0.02,
    retry_cap_s=0.1,
    poll_s=0.05,
    lease_s=3.0,
    timeout_s=2.0,  # a loaded CI machine must not turn a normal answer into a timeout
    connect_timeout_s=1.0,
    exit_timeout_s=1.0,
)


def view(n: object, **extra: Any) -> dict[str, Any]:
    """A view activity numbered `n` in its target (the sink counts by it)."""
    return {"action": "view", "target": {"n": str(n)}, **extra}
