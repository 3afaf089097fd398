"""Load the demo collector: many SDK-like clients against a real uvicorn server on 127.0.0.1.

For each table size (10,000 then 100,000 stored activities by default) the script pre-fills a
fresh data directory, starts ``python -m demo.collector`` on a free port of 127.0.0.1, and runs
``--clients`` concurrent clients (asyncio, HTTP/1.1 keep-alive) that post JSON-array batches of 1 to
``--batch`` activities, as the SDK does, for that phase's share of ``--seconds``. A third of
the clients are logged in as the customer who already owns 40 % of the pre-filled rows, so
the biggest profile keeps growing. Then it stops the server and checks, by reading the SQLite
file, that the rows acknowledged with 200 are exactly the rows stored after the pre-fill:
nothing lost, nothing doubled.

It prints requests/s, p50/p99 latency and the check per phase, and the p99 of the two table
sizes side by side (they should be close: a POST's cost does not grow with the table).

    .venv/bin/python scripts/load.py [--seconds 50] [--clients 32] [--batch 5]

It only ever connects to 127.0.0.1, and is bounded in clients, time and rows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.collector.store import DB_FILENAME, ActivityStore  # noqa: E402

HOST = "127.0.0.1"  # the only host this script ever talks to
TRACKER_KEY = "demo"
HOT_CUSTOMER = "cust-hot"
MAX_CLIENTS = 256
MAX_SECONDS = 600
MAX_TABLE = 1_000_000


@dataclass
class Phase:
    """What one phase sent and measured."""

    table_rows: int
    prefill_seconds: float = 0.0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    acknowledged: list[str] = field(default_factory=list)  # markers of rows answered 200
    stored: list[str] = field(default_factory=list)  # markers found in the store afterwards

    def percentile(self, fraction: float) -> float:
        """A latency percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def activity(session: str, marker: str, *, customer: str | None, action: str) -> dict[str, Any]:
    """One wire-format activity, as the SDK sends it; ``marker`` makes it recognisable."""
    identities = {"sessionid": session}
    if customer:
        identities["ecommerceid"] = customer
    return {
        "action": action,
        "target": {"product": f"sku-{len(marker) % 7}", "marker": marker},
        "user": {"identities": identities, "segments": ["load"]},
    }


def prefill(data_dir: Path, rows: int) -> float:
    """Store ``rows`` activities (40 % in the hot customer's profile); return the seconds taken."""
    started = time.perf_counter()
    store = ActivityStore(data_dir, max_rows=None)
    done = 0
    while done < rows:
        size = min(1000, rows - done)
        batch = []
        for i in range(done, done + size):
            if i % 5 < 2:
                batch.append(activity("s-hot", f"p{i}", customer=HOT_CUSTOMER, action="view"))
            else:
                batch.append(activity(f"s-pre-{i // 10}", f"p{i}", customer=None, action="view"))
        store.add(TRACKER_KEY, batch)
        done += size
    return time.perf_counter() - started


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def collector(data_dir: Path, port: int) -> Iterator[None]:
    """Run ``python -m demo.collector`` on 127.0.0.1:port until the block ends."""
    command = [
        sys.executable, "-m", "demo.collector", "--host", HOST, "--port", str(port),
        "--data-dir", str(data_dir), "--max-rows", "0", "--log-level", "warning",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the collector did not start")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams (lighter than httpx, so the
    server, not the client, is what gets measured on a small machine)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes) -> int:
        """POST a JSON body as the SDK does; return the status (0 on a connection error)."""
        try:
            if self.streams is None:
                self.streams = await asyncio.open_connection(HOST, self.port)
            reader, writer = self.streams
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                f"Content-Type: application/json\r\nX-SDK: 1\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            return status
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            await self.close()
            return 0

    async def close(self) -> None:
        """Close the connection, if open."""
        if self.streams is not None:
            writer = self.streams[1]
            self.streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def client(port: int, number: int, phase: Phase, deadline: float, max_batch: int) -> None:
    """One storefront visitor: posts batches until the deadline, a new session now and then."""
    customer = HOT_CUSTOMER if number % 3 == 0 else None
    connection = Connection(port)
    sent = 0
    while time.monotonic() < deadline:
        session = f"s-load-{phase.table_rows}-{number}-{sent // 50}"
        size = 1 + sent % max_batch
        markers = [f"c{number}-{sent}-{i}" for i in range(size)]
        body = [
            activity(session, marker, customer=customer, action="view" if i else "click")
            for i, marker in enumerate(markers)
        ]
        started = time.perf_counter()
        status = await connection.post(f"/collect/{TRACKER_KEY}", json.dumps(body).encode())
        phase.latencies.append(time.perf_counter() - started)
        phase.statuses[status] = phase.statuses.get(status, 0) + 1
        if status == 200:
            phase.acknowledged.extend(markers)
        sent += 1
    await connection.close()


async def run_clients(port: int, phase: Phase, clients: int, seconds: float, batch: int) -> None:
    """Run the clients concurrently for ``seconds``."""
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(client(port, n, phase, deadline, batch) for n in range(clients)))
    phase.seconds = time.monotonic() - started


def stored_markers(data_dir: Path, after_id: int) -> list[str]:
    """The markers of the rows stored after the pre-fill, read from the SQLite file."""
    with contextlib.closing(sqlite3.connect(data_dir / DB_FILENAME)) as conn:
        rows = conn.execute("SELECT wire FROM activities WHERE id > ? ORDER BY id", (after_id,))
        return [str(json.loads(wire)["target"]["marker"]) for (wire,) in rows]


def run_phase(table_rows: int, args: argparse.Namespace, seconds: float) -> Phase:
    """Pre-fill, serve, load, stop, check."""
    phase = Phase(table_rows)
    with tempfile.TemporaryDirectory(prefix="xo-load-") as tmp:
        data_dir = Path(tmp)
        phase.prefill_seconds = prefill(data_dir, table_rows)
        print(f"  pre-filled {table_rows:,} rows in {phase.prefill_seconds:.1f} s", flush=True)
        port = free_port()
        with collector(data_dir, port):
            asyncio.run(run_clients(port, phase, args.clients, seconds, args.batch))
        phase.stored = stored_markers(data_dir, after_id=table_rows)
    return phase


def report(phase: Phase) -> bool:
    """Print one phase's figures; True when rows sent = rows stored."""
    requests = len(phase.latencies)
    sent, stored = phase.acknowledged, phase.stored
    exact = sorted(sent) == sorted(stored) and len(set(stored)) == len(stored)
    statuses = ", ".join(
        f"{s or 'transport error'}: {n}" for s, n in sorted(phase.statuses.items())
    )
    print(f"  requests: {requests:,} in {phase.seconds:.1f} s = {requests / phase.seconds:,.0f}/s")
    print(f"  rows:     {len(sent) / phase.seconds:,.0f}/s  (statuses {statuses})")
    print(f"  latency:  p50 {phase.percentile(0.50):.1f} ms, p99 {phase.percentile(0.99):.1f} ms")
    verdict = "OK" if exact else "MISMATCH"
    print(f"  rows sent = rows stored: {len(sent):,} = {len(stored):,} {verdict}", flush=True)
    return exact


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and bound the command line."""
    parser = argparse.ArgumentParser(prog="scripts/load.py", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=50, help="total load time (50)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--batch", type=int, default=5, help="most activities per POST (5)")
    parser.add_argument(
        "--sizes", default="10000,100000", help="table sizes to pre-fill (10000,100000)"
    )
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",")]
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}]")
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be in 1..{MAX_CLIENTS}")
    if not 1 <= args.batch <= 50:
        parser.error("--batch must be in 1..50")
    if not args.sizes or any(not 0 <= size <= MAX_TABLE for size in args.sizes):
        parser.error(f"--sizes must be in 0..{MAX_TABLE}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run every phase; print the figures and the p99 side by side."""
    args = parse_args(argv)
    seconds = args.seconds / len(args.sizes)
    print(
        f"load: {args.clients} clients, batches of 1-{args.batch}, {seconds:.0f} s per table "
        f"size, collector on {HOST}",
        flush=True,
    )
    phases = []
    for size in args.sizes:
        print(f"table pre-filled to {size:,} rows:", flush=True)
        phases.append(run_phase(size, args, seconds))
        ok = report(phases[-1])
        if not ok:
            print("  FAILED: rows sent and rows stored differ", flush=True)
    print("p99 by table size: " + "   ".join(
        f"{p.table_rows:,} rows: {p.percentile(0.99):.1f} ms" for p in phases
    ))  # fmt: skip
    exact = all(sorted(p.acknowledged) == sorted(p.stored) for p in phases)
    print("rows sent = rows stored in every phase: " + ("yes" if exact else "NO"))
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
