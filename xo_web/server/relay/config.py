"""The relay's configuration: what it relays, for whom, where to, and how hard it pushes back.

This module owns `RelayConfig` and `make_relay_config`, which turn the operator's settings into
a checked, frozen value: the upstream URL of each configured tracker key (built here, from the
configuration only, with the browser's endpoint rules in `xo_web.core.config`), the allowed
origins, the path, the body cap, the rate limit, the upstream timeouts and the client-IP
switch with its trusted proxies. Nothing read from a request can change any of it.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from xo_web.core.config import check_tracker_key, endpoint_for
from xo_web.errors import ConfigError

# Words that generic blocklist rules match in a path on any domain (EasyPrivacy, uBlock
# filters; see docs/relay.md). The default path has none of them.
BLOCKLISTED_WORDS = ("collect", "track", "analytics", "event", "telemetry", "beacon", "pixel")
DEFAULT_PATH = "/xo-relay"
DEFAULT_MAX_BODY_BYTES = 64 * 1024
DEFAULT_RATE_PER_SECOND = 10.0
DEFAULT_RATE_BURST = 40
DEFAULT_RETRY_AFTER_S = 5
# A proxy on the same host (nginx on loopback) is trusted to tell the client IP, as uvicorn's
# own `forwarded_allow_ips` default does; a Unix-socket peer is local too (see ratelimit).
DEFAULT_TRUSTED_PROXIES = ("127.0.0.1/32", "::1/128")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Timeouts:
    """The upstream client's explicit timeouts, in seconds (httpx's four kinds)."""

    connect: float = 2.0
    read: float = 5.0
    write: float = 5.0
    pool: float = 2.0


@dataclass(frozen=True)
class RelayConfig:
    """A checked relay configuration; `upstreams` maps each relayed key to its pinned URL."""

    upstreams: Mapping[str, str]
    allowed_origins: frozenset[str]
    region: str = "eu"
    collect_url: str | None = None
    path: str = DEFAULT_PATH
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    rate_per_second: float = DEFAULT_RATE_PER_SECOND
    rate_burst: int = DEFAULT_RATE_BURST
    forward_client_ip: bool = False
    trusted_proxies: tuple[Network, ...] = ()
    retry_after_s: int = DEFAULT_RETRY_AFTER_S
    timeouts: Timeouts = Timeouts()
    max_connections: int = 50
    max_keepalive: int = 10

    def upstream_for(self, tracker_key: str) -> str | None:
        """The pinned upstream URL of a configured key, or None for any other key."""
        return self.upstreams.get(tracker_key)


def make_relay_config(
    tracker_keys: Iterable[str],
    allowed_origins: Iterable[str],
    *,
    region: str = "eu",
    collect_url: str | None = None,
    path: str = DEFAULT_PATH,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    rate_per_second: float = DEFAULT_RATE_PER_SECOND,
    rate_burst: int = DEFAULT_RATE_BURST,
    forward_client_ip: bool = False,
    trusted_proxies: Iterable[str] = DEFAULT_TRUSTED_PROXIES,
    retry_after_s: int = DEFAULT_RETRY_AFTER_S,
    timeouts: Timeouts = Timeouts(),
) -> RelayConfig:
    """Return the checked configuration; raise ConfigError naming the first bad setting."""
    keys = [check_tracker_key(key) for key in tracker_keys]
    if not keys:
        raise ConfigError("the relay needs at least one tracker key")
    upstreams = {key: endpoint_for(key, region, collect_url) for key in keys}
    origins = frozenset(check_origin(origin) for origin in allowed_origins)
    if not origins:
        raise ConfigError("the relay needs at least one allowed origin (e.g. https://shop.example)")
    if not 1 <= max_body_bytes <= 16 * 1024 * 1024:
        raise ConfigError(f"max_body_bytes must be 1 B to 16 MiB, not {max_body_bytes}")
    if not (math.isfinite(rate_per_second) and rate_per_second > 0) or rate_burst < 1:
        raise ConfigError("the rate limit needs a positive rate and a burst of at least 1")
    if not 1 <= retry_after_s <= 3600:
        raise ConfigError(f"retry_after_s must be 1 to 3600 seconds, not {retry_after_s}")
    proxies = tuple(check_network(cidr) for cidr in trusted_proxies)
    for value in (timeouts.connect, timeouts.read, timeouts.write, timeouts.pool):
        if not (math.isfinite(value) and 0 < value <= 300):
            raise ConfigError(f"timeouts must be more than 0 and at most 300 s, not {value}")
    return RelayConfig(
        upstreams=upstreams,
        allowed_origins=origins,
        region=region,
        collect_url=collect_url,
        path=check_path(path),
        max_body_bytes=max_body_bytes,
        rate_per_second=float(rate_per_second),
        rate_burst=rate_burst,
        forward_client_ip=forward_client_ip,
        trusted_proxies=proxies,
        retry_after_s=retry_after_s,
        timeouts=timeouts,
    )


def check_origin(origin: str) -> str:
    """Return a web origin (`scheme://host[:port]`, lower case) or raise ConfigError."""
    if origin.strip() == "*" or origin.strip().lower() == "null":
        raise ConfigError(f"allowed origins must be named one by one, not {origin!r}")
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"allowed origin {origin!r} is not a URL: {exc}") from None
    bad_path = parts.path not in ("", "/") or parts.query or parts.fragment
    if parts.scheme not in ("http", "https") or not parts.hostname or bad_path or parts.username:
        raise ConfigError(f"allowed origin must look like https://shop.example, not {origin!r}")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{host}{suffix}".lower()


def check_path(path: str) -> str:
    """Return the relay's path ("" or "/a/b", no trailing slash) or raise ConfigError."""
    if path in ("", "/"):
        return ""
    if not path.startswith("/") or "?" in path or "#" in path or "//" in path:
        raise ConfigError(f"path must start with / and hold no query or fragment, not {path!r}")
    if not path.isascii() or not path.isprintable() or any(ch.isspace() for ch in path):
        raise ConfigError(f"path must be printable ASCII without spaces, not {path!r}")
    return path.rstrip("/")


def check_network(cidr: str) -> Network:
    """Return a trusted proxy's address or network, or raise ConfigError."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError as exc:
        raise ConfigError(f"trusted proxy {cidr!r} is not an address or a CIDR: {exc}") from None


def blocklisted_words(path: str) -> list[str]:
    """The words of BLOCKLISTED_WORDS that a path contains (blockers may drop such paths)."""
    lowered = path.lower()
    return [word for word in BLOCKLISTED_WORDS if word in lowered]


__all__ = [
    "BLOCKLISTED_WORDS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_PATH",
    "DEFAULT_TRUSTED_PROXIES",
    "RelayConfig",
    "Timeouts",
    "blocklisted_words",
    "check_origin",
    "check_path",
    "make_relay_config",
]
