"""What `init()` accepts: the tracker key, the region or collect URL, the timeout.

This module owns turning init's arguments into a checked `TrackerConfig` (the collector URL
with the tracker key URL-encoded into its path), with a `ConfigError` naming the bad value.
"""

import math
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from xo_web.errors import ConfigError

REGIONS = ("eu", "ap1", "ap2", "dev")
MAX_TRACKER_KEY_LENGTH = 256
MAX_TIMEOUT_S = 300.0
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class TrackerConfig:
    """A checked configuration: the key, the region and the endpoint activities go to."""

    tracker_key: str
    region: str
    endpoint: str
    timeout_s: float


class ConfiguredApi:
    """The read-only views of a Tracker's configuration, over its `_config`."""

    _config: TrackerConfig | None

    @property
    def is_initialized(self) -> bool:
        """True once init() has succeeded."""
        return self._config is not None

    @property
    def tracker_key(self) -> str | None:
        """The tracker key given to init(), or None before it."""
        return self._config.tracker_key if self._config else None

    @property
    def region(self) -> str | None:
        """The region given to init(), or None before it."""
        return self._config.region if self._config else None

    @property
    def endpoint(self) -> str | None:
        """The collector URL activities are posted to, or None before init()."""
        return self._config.endpoint if self._config else None


def make_config(
    tracker_key: object,
    region: object = "eu",
    collect_url: object = None,
    timeout_s: object = DEFAULT_TIMEOUT_S,
) -> TrackerConfig:
    """Return the checked configuration; raise ConfigError naming the first bad value."""
    endpoint = endpoint_for(tracker_key, region, collect_url)
    # Both were checked by endpoint_for: str() only tells the type checker so.
    return TrackerConfig(str(tracker_key), str(region), endpoint, check_timeout(timeout_s))


def endpoint_for(tracker_key: object, region: object = "eu", collect_url: object = None) -> str:
    """Return the collector URL for a tracker key; raise ConfigError for bad values."""
    key = check_tracker_key(tracker_key)
    if not isinstance(region, str) or region not in REGIONS:
        raise ConfigError(f"region must be one of {', '.join(REGIONS)}; got {region!r}")
    if collect_url is not None:
        base = check_collect_url(collect_url)
    elif region == "dev":
        base = "http://collect-dev.attraqt.io"
    else:
        base = f"https://collect-{region}.attraqt.io"
    return f"{base}/{quote(key, safe='')}"


def check_tracker_key(tracker_key: object) -> str:
    """Return the tracker key if it is 1-256 printable ASCII characters without spaces."""
    if not isinstance(tracker_key, str):
        raise ConfigError(f"tracker_key must be a string, not {type(tracker_key).__name__}")
    if not tracker_key or len(tracker_key) > MAX_TRACKER_KEY_LENGTH:
        raise ConfigError(f"tracker_key must be 1 to {MAX_TRACKER_KEY_LENGTH} characters long")
    if not tracker_key.isprintable() or any(ch.isspace() for ch in tracker_key):
        raise ConfigError("tracker_key must not contain spaces or control characters")
    if not tracker_key.isascii():
        raise ConfigError("tracker_key must be ASCII")
    return tracker_key


def check_collect_url(collect_url: object) -> str:
    """Return an http(s) URL without credentials, query or fragment, minus a trailing slash."""
    if not isinstance(collect_url, str):
        raise ConfigError(f"collect_url must be a string, not {type(collect_url).__name__}")
    if not collect_url.isprintable() or any(ch.isspace() for ch in collect_url):
        raise ConfigError("collect_url must not contain spaces or control characters")
    try:
        parts = urlsplit(collect_url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"collect_url is not a valid URL: {exc}") from None
    del port  # read only so that a bad port is refused
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"collect_url must be an http(s) URL with a host, not {collect_url!r}")
    if parts.username is not None or parts.password is not None:
        raise ConfigError("collect_url must not contain credentials")
    if parts.query or parts.fragment or "?" in collect_url or "#" in collect_url:
        raise ConfigError("collect_url must not have a query or a fragment")
    return collect_url.rstrip("/")


def check_timeout(timeout_s: object) -> float:
    """Return the request timeout in seconds: more than 0, at most MAX_TIMEOUT_S."""
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float):
        raise ConfigError(f"timeout_s must be a number, not {type(timeout_s).__name__}")
    if not math.isfinite(timeout_s) or not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise ConfigError(f"timeout_s must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds")
    return float(timeout_s)
