"""`xo-web relay`: the relay standalone, on uvicorn (the `server` extra).

This module owns the command's options and turning them into a running server. The settings
travel to each worker process as JSON in one environment variable, and every worker builds its
own app (so its own upstream client and spool, after the fork) from the factory
`app_from_environment`. uvicorn and httpx are imported only when the command runs, so
`xo-web build` works without the `server` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from xo_web.errors import ConfigError
from xo_web.server.relay.config import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_PATH,
    DEFAULT_RATE_BURST,
    DEFAULT_RATE_PER_SECOND,
    DEFAULT_TRUSTED_PROXIES,
    blocklisted_words,
    make_relay_config,
)

ENV_VAR = "XO_WEB_RELAY_SETTINGS"
NO_SERVER = "the relay needs the server extra: pip install 'xo_web[server]'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `relay` subcommand's options."""
    parser.add_argument(
        "--tracker-key", action="append", required=True, dest="tracker_keys", metavar="KEY",
        help="a tracker key to relay (repeatable); any other key is refused",
    )  # fmt: skip
    parser.add_argument(
        "--allow-origin", action="append", required=True, dest="allowed_origins",
        metavar="ORIGIN", help="an origin whose pages may send (repeatable), e.g. https://shop.example",
    )  # fmt: skip
    parser.add_argument("--region", default="eu", help="the collector's region (eu)")
    parser.add_argument(
        "--collect-url", help="replace https://collect-{region}.attraqt.io (staging, tests)"
    )
    parser.add_argument("--path", default=DEFAULT_PATH, help=f"where it listens ({DEFAULT_PATH})")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="TCP port (8080)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (1)")
    parser.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, help="body cap (64 KiB)"
    )
    parser.add_argument(
        "--rate", type=float, default=DEFAULT_RATE_PER_SECOND,
        help=f"requests a second per client ({DEFAULT_RATE_PER_SECOND:g})",
    )  # fmt: skip
    parser.add_argument(
        "--burst", type=int, default=DEFAULT_RATE_BURST,
        help=f"requests a client may send at once ({DEFAULT_RATE_BURST})",
    )  # fmt: skip
    parser.add_argument(
        "--forward-client-ip", action="store_true",
        help="send the client's IP upstream as X-Forwarded-For (off: it is personal data)",
    )  # fmt: skip
    parser.add_argument(
        "--trusted-proxy", action="append", default=[], dest="trusted_proxies", metavar="CIDR",
        help="a proxy whose X-Forwarded-For tells the client IP (repeatable; default: "
        "loopback, as uvicorn's own default)",
    )  # fmt: skip
    parser.add_argument(
        "--spool", metavar="DSN",
        help="keep batches the collector refuses in the server outbox (sqlite:///PATH or "
        "postgresql:// DSN) and answer 202",
    )  # fmt: skip
    parser.add_argument("--log-level", default="info", help="uvicorn log level (info)")


def settings_from(args: argparse.Namespace) -> dict[str, Any]:
    """The JSON-able settings every worker builds its app from."""
    return {
        "tracker_keys": args.tracker_keys,
        "allowed_origins": args.allowed_origins,
        "region": args.region,
        "collect_url": args.collect_url,
        "path": args.path,
        "max_body_bytes": args.max_body_bytes,
        "rate_per_second": args.rate,
        "rate_burst": args.burst,
        "forward_client_ip": args.forward_client_ip,
        "trusted_proxies": args.trusted_proxies or list(DEFAULT_TRUSTED_PROXIES),
        "spool": args.spool,
    }


def build_app(settings: dict[str, Any]) -> Any:
    """The relay app for these settings (with its spool when one is named)."""
    from xo_web.server.relay.app import RelayApp

    settings = dict(settings)
    dsn = settings.pop("spool", None)
    config = make_relay_config(
        settings.pop("tracker_keys"), settings.pop("allowed_origins"), **settings
    )
    spool = None
    if dsn:
        from xo_web.server.relay.outbox import OutboxSpool

        spool = OutboxSpool(dsn, config)
    return RelayApp(config, spool=spool)


def check_settings(settings: dict[str, Any]) -> None:
    """Raise ConfigError for a bad setting (ImportError without the server extra)."""
    import xo_web.server.relay.app  # noqa: F401  (the extra's HTTP client is importable)

    settings = dict(settings)
    dsn = settings.pop("spool", None)
    make_relay_config(settings.pop("tracker_keys"), settings.pop("allowed_origins"), **settings)
    if dsn:
        from xo_web.server.dsn import parse_outbox

        parse_outbox(dsn)


def app_from_environment() -> Any:
    """uvicorn's factory: the app from the settings in XO_WEB_RELAY_SETTINGS (one per worker)."""
    return build_app(json.loads(os.environ[ENV_VAR]))


def run(args: argparse.Namespace) -> int:
    """Check the settings, then serve until interrupted; 2 for a bad setting."""
    settings = settings_from(args)
    try:  # fail here, once, rather than in every worker (nothing is opened yet)
        check_settings(settings)
    except ConfigError as error:
        print(f"xo-web relay: {error}", file=sys.stderr)
        return 2
    except ImportError:
        print(f"xo-web relay: {NO_SERVER}", file=sys.stderr)
        return 2
    words = blocklisted_words(args.path)
    if words:
        print(f"xo-web relay: blockers match {', '.join(words)!r} in paths", file=sys.stderr)
    import uvicorn

    os.environ[ENV_VAR] = json.dumps(settings)
    shown = f"http://{args.host}:{args.port}{args.path}/{{trackerKey}}"
    print(f"xo-web relay on {shown} (collect_url: http://{args.host}:{args.port}{args.path})")
    uvicorn.run(
        "xo_web.server.relay.cli:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=False,  # the relay reads X-Forwarded-For itself, from trusted proxies only
        server_header=False,
    )
    return 0


__all__ = [
    "ENV_VAR",
    "add_arguments",
    "app_from_environment",
    "build_app",
    "check_settings",
    "run",
]
