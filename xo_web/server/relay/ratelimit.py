"""Who the client is, and how fast one client may send: the per-client rate limit.

This module owns the client's address (the peer, or, only when the peer is a trusted proxy
or a Unix socket, the right-most untrusted address of its `X-Forwarded-For`) and a token
bucket per client address, held in this process's memory and bounded in size. Behind a proxy
that is not trusted every visitor shares the proxy's bucket, so list the proxy. With many
relay instances each holds its own buckets: the limit per client is then per instance, and a
global one belongs to the load balancer in front (see docs/relay.md).
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from xo_web.server.relay.config import Network, RelayConfig

MAX_TRACKED_CLIENTS = 100_000


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]
) -> str | None:
    """The client's IP: the peer's, unless the peer is a trusted proxy that says otherwise.

    A peer without an address (a Unix socket) is a local proxy, so it is trusted too."""
    peer_trusted = peer is None or _is_trusted(peer, trusted)
    if not peer_trusted or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop if _is_ip(hop) else peer
    return hops[0] if hops and _is_ip(hops[0]) else peer


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


class RateLimiter:
    """A token bucket per client: `rate` tokens a second, at most `burst` saved up."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_TRACKED_CLIENTS,
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    @classmethod
    def from_config(cls, config: RelayConfig) -> RateLimiter:
        """The limiter for a relay configuration."""
        return cls(config.rate_per_second, config.rate_burst)

    def take(self, client: str) -> float:
        """Spend one token of `client`; return 0 when allowed, else the seconds to wait."""
        now = self._clock()
        tokens, last = self._buckets.pop(client, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens >= 1:
            self._remember(client, tokens - 1, now)
            return 0.0
        self._remember(client, tokens, now)
        return (1 - tokens) / self._rate

    def _remember(self, client: str, tokens: float, now: float) -> None:
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self._max_clients:
            self._buckets.popitem(last=False)  # the least recently seen client starts afresh


__all__ = ["MAX_TRACKED_CLIENTS", "RateLimiter", "client_address"]
