"""Host-only: the ``xo-web`` command line (``build``, ``fetch``, ``relay``, ``--version``).

Every failure the user can act on (no network, a hash mismatch, a full disk, a refused wheel,
a conflicting PyScript setting) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import errno
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from xo_web import __version__
from xo_web.bundler.bundle import BundleError, build_bundle
from xo_web.bundler.cache import ENV_VAR, Cache
from xo_web.bundler.pycompile import CompileError
from xo_web.bundler.pyscript_config import load_config
from xo_web.bundler.shop import resolve_shop_wheels
from xo_web.server import cli as server_cli
from xo_web.server.relay import cli as relay_cli

NO_NODE = (
    "Node.js not found: the wheels ship as sources, compiled in the browser at import "
    "(byte-compiled, imports in the browser skip compiling; install Node.js to get that, "
    "or pass --no-compile to silence this)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xo-web", description="Build the xo_web browser bundle (Pyodide, PyScript, wheels)."
    )
    parser.add_argument("--version", action="version", version=f"xo-web {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    cache_help = f"download cache (default: ${ENV_VAR}, else the user cache folder)"

    build = commands.add_parser("build", help="write the static browser bundle into DIR")
    build.add_argument("dir", type=Path)
    build.add_argument("--base-url", default="/xo/", help="URL path the bundle is served under")
    build.add_argument("--cache", type=Path, help=cache_help)
    build.add_argument(
        "--offline", action="store_true", help="use the cache only (fill it with `xo-web fetch`)"
    )
    build.add_argument(
        "--no-compile",
        dest="byte_compile",
        action="store_false",
        help="ship the wheels' sources instead of byte-compiling them (which needs Node.js)",
    )
    build.add_argument(
        "--no-compress",
        dest="compress",
        action="store_false",
        help="do not write the precompressed .br and .gz copies beside the bundle's files",
    )
    build.add_argument(
        "-r", "--requirement", type=Path, action="append", default=[],
        help="add the shop's pure-Python packages from this requirements file (repeatable)",
    )  # fmt: skip
    build.add_argument(
        "--wheel", type=Path, action="append", default=[],
        help="add this pure-Python wheel (and its dependencies) to the bundle (repeatable)",
    )  # fmt: skip
    build.add_argument(
        "--pyscript-config", type=Path, help="merge this PyScript config (JSON or TOML)"
    )

    fetch = commands.add_parser("fetch", help="download everything `build` needs into the cache")
    fetch.add_argument("--cache", type=Path, help=cache_help)
    server_cli.add_commands(commands)

    relay = commands.add_parser(
        "relay", help="run the first-party relay (the server extra; see docs/relay.md)"
    )
    relay_cli.add_arguments(relay)
    return parser


def _build(args: argparse.Namespace) -> None:
    cache = Cache.locate(args.cache)
    inputs = cache.fill(offline=args.offline)
    settings = load_config(args.pyscript_config) if args.pyscript_config else None
    shop = resolve_shop_wheels(
        args.requirement,
        args.wheel,
        shop_cache=cache.shop,
        pinned_cache=cache.wheels,
        offline=args.offline,
    )
    byte_compile = args.byte_compile and shutil.which("node") is not None
    if args.byte_compile and not byte_compile:
        print(f"xo-web: {NO_NODE}", file=sys.stderr)
    out = build_bundle(
        args.dir,
        inputs,
        base_url=args.base_url,
        byte_compile=byte_compile,
        compress=args.compress,
        shop_wheels=shop,
        pyscript_settings=settings,
    )
    print(f"xo_web bundle written to {out} (serve it under {args.base_url})")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    if args.command in server_cli.COMMANDS:
        return server_cli.run(args)
    if args.command == "relay":
        return relay_cli.run(args)
    try:
        if args.command == "fetch":
            cache = Cache.locate(args.cache)
            cache.fill()
            print(f"xo-web cache ready in {cache.root}")
        else:
            _build(args)
    except (BundleError, CompileError) as error:
        print(f"xo-web: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if error.errno == errno.ENOSPC:
            print(f"xo-web: no space left on the device ({error.filename or ''})", file=sys.stderr)
        else:
            print(f"xo-web: {error}", file=sys.stderr)
        return 2
    return 0
