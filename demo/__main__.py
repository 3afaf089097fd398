"""Run the demo: ``python -m demo --host 127.0.0.1 --port 8000 --bundle build/xo``.

Serves the storefront SPA, the SDK bundle, the first-party relay and the local XO-compatible
collector on one origin: the storefront sends through the relay (``/xo-relay``) to the collector.
Build the bundle first (``make bundle``), or use ``make demo``, which does both.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from demo.server import create_demo_app
from demo.server_options import add_server_options


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="xo_web demo: storefront SPA + SDK bundle + local XO-compatible collector.",
    )
    parser.add_argument(
        "--bundle",
        type=Path,
        default=Path("build/xo"),
        help="the bundle built by `xo-web build DIR --base-url /xo/` (build/xo)",
    )
    add_server_options(
        parser, origins_help="extra CORS origin allowed to post to /collect (repeatable)"
    )
    return parser.parse_args(argv)


def urls(host: str, port: int) -> dict[str, str]:
    """The URLs to print: storefront, inspector and the SDK's collect_url."""
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    origin = f"http://{shown}:{port}"
    return {
        "storefront": f"{origin}/",
        "inspector": f"{origin}/inspector",
        "collect_url": f"{origin}/xo-relay",
        "collector": f"{origin}/collect",
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Build the app and serve it with uvicorn until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    links = urls(args.host, args.port)
    origins = [f"http://127.0.0.1:{args.port}", f"http://localhost:{args.port}"]
    try:
        app = create_demo_app(
            bundle_dir=args.bundle,
            data_dir=args.data_dir,
            allowed_origins=[*origins, *(args.allowed_origins or [])],
            max_body_bytes=args.max_body_bytes,
            backend_collect_url=links["collect_url"],  # the checkout's server-side purchases
        )
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("xo_web demo", flush=True)
    print(f"  storefront:  {links['storefront']}", flush=True)
    print(f"  inspector:   {links['inspector']}", flush=True)
    print(f"  collect_url: {links['collect_url']}  (the first-party relay; tracker key: demo)")
    print(f"  collector:   {links['collector']}  (the relay's upstream)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
