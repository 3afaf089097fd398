"""Host-only: the ``xo-web`` command line (``build``, ``fetch-wheels``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from xo_web.bundler.bundle import BundleError, BundleInputs, build_bundle
from xo_web.bundler.pycompile import CompileError
from xo_web.bundler.wheels import WheelCacheError, fetch_wheels

DEFAULT_WHEEL_CACHE = Path(".cache/wheels")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xo-web", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="write the static browser bundle into DIR")
    build.add_argument("dir", type=Path)
    build.add_argument("--base-url", default="/xo/", help="URL path the bundle is served under")
    build.add_argument("--node-modules", type=Path, default=Path("node_modules"))
    build.add_argument("--wheel-cache", type=Path, default=DEFAULT_WHEEL_CACHE)
    build.add_argument(
        "--no-compile",
        dest="byte_compile",
        action="store_false",
        help="ship the wheels' sources as they are instead of byte-compiling them",
    )

    fetch = commands.add_parser("fetch-wheels", help="download the pinned browser wheels")
    fetch.add_argument("--wheel-cache", type=Path, default=DEFAULT_WHEEL_CACHE)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "fetch-wheels":
            for path in fetch_wheels(args.wheel_cache):
                print(path)
        else:
            inputs = BundleInputs(node_modules=args.node_modules, wheel_cache=args.wheel_cache)
            out = build_bundle(
                args.dir, inputs, base_url=args.base_url, byte_compile=args.byte_compile
            )
            print(f"xo_web bundle written to {out} (serve it under {args.base_url})")
    except (BundleError, CompileError, WheelCacheError) as error:
        print(f"xo-web: {error}", file=sys.stderr)
        return 2
    return 0
