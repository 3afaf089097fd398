"""Run the server benchmark: ``python -m scripts.bench_server [--count N]`` (make bench-server).

Prints the date, the commit, the load average before and after, then one table: for each SDK
the enqueue latency p50/p99 (ms per call) and the activities delivered per second, each
next to the best peer's figure of the same shape (one producer thread, or 8) measured in this
run, and whether the targets hold
(delivered/s at least the peers'; SQLite enqueue p99 ≤ 2 ms).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from scripts.bench_server.common import Context, Row

ROOT = Path(__file__).resolve().parents[2]
SECTIONS: list[str] = ["xo", "peers", "relay"]
"""Section modules of this package, run in order; one that does not exist is skipped (relay.py
belongs to the relay's branch)."""
P99_TARGET_MS = 2.0


def commit() -> str:
    """The checked-out commit, with ``+dirty`` when the tree has changes."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"{head}{'+dirty' if dirty else ''}" or "unknown"


def load() -> str:
    """The 1/5/15-minute load average."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_sections(context: Context, names: Sequence[str]) -> list[Row]:
    """Run each listed section that exists; say which were absent."""
    rows: list[Row] = []
    for name in names:
        try:
            module = importlib.import_module(f"scripts.bench_server.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"scripts.bench_server.{name}":
                raise
            print(f"  (section {name!r}: not present in this checkout)", flush=True)
            continue
        print(f"  running section {name!r} …", flush=True)
        rows.extend(module.run(context))
    return rows


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def shape(name: str) -> str:
    """How a row's sends were made: from several threads at once, or from one."""
    return "threads" if " threads)" in name else "one thread"


def report(rows: list[Row]) -> list[str]:
    """The table and the targets, as lines: each row next to the best peer of its shape (one
    producer thread, or several), the xo_web rows judged against it."""
    best: dict[str, Row] = {}
    for r in rows:
        if not r.name.startswith("xo_web") and r.delivered_per_s:
            current = best.get(shape(r.name))
            if current is None or r.delivered_per_s > (current.delivered_per_s or 0.0):
                best[shape(r.name)] = r
    lines = [
        f"{'SDK':<44} {'p50 ms':>8} {'p99 ms':>8} {'delivered/s':>12} {'best peer/s':>12}  note"
    ]
    for r in rows:
        peer = best.get(shape(r.name))
        peer_rate = peer.delivered_per_s if peer else None
        lines.append(
            f"{r.name:<44} {_ms(r.p50_ms):>8} {_ms(r.p99_ms):>8} "
            f"{_rate(r.delivered_per_s):>12} {_rate(peer_rate):>12}  {r.note}"
        )
    sqlite = next((r for r in rows if r.name == "xo_web.server SQLite"), None)
    if sqlite is not None and sqlite.p99_ms is not None:
        held = "met" if sqlite.p99_ms <= P99_TARGET_MS else "MISSED"
        lines.append(
            f"target: SQLite enqueue p99 {sqlite.p99_ms:.3f} ms ≤ {P99_TARGET_MS} ms: {held}"
        )
    for r in rows:
        peer = best.get(shape(r.name))
        if r.name.startswith("xo_web") and r.delivered_per_s and peer and peer.delivered_per_s:
            held = "met" if r.delivered_per_s >= peer.delivered_per_s else "MISSED"
            lines.append(
                f"target: {r.name} delivered/s {r.delivered_per_s:,.0f} ≥ "
                f"{peer.name} {peer.delivered_per_s:,.0f}: {held}"
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Start the sink, run the sections, print the report."""
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_server")
    parser.add_argument("--count", type=int, default=2000, help="sends per measurement (2000)")
    parser.add_argument("--sections", nargs="*", default=SECTIONS, help="sections to run")
    args = parser.parse_args(argv)
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"xo_web server benchmark — {started} — commit {commit()} — load {load()}")
    print(
        f"  Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.count} sends each",
        flush=True,
    )
    sink = subprocess.Popen(
        [sys.executable, "-m", "scripts.bench_server.sink"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout is not None
        port = int(sink.stdout.readline())
        with tempfile.TemporaryDirectory(prefix="xo-bench-") as workdir:
            context = Context(f"http://127.0.0.1:{port}", args.count, workdir)
            rows = run_sections(context, args.sections)
    finally:
        sink.terminate()
        sink.wait(10)
    print()
    for line in report(rows):
        print(line)
    print(f"load after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
