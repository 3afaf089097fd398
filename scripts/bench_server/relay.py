"""The relay's load figure: requests/s and the latency it adds over a direct call, 1 and 4 workers.

A minimal local upstream (an ASGI app answering 200 ``{"profiles": {}}``, on uvicorn) stands
for the collector. For each worker count the script starts ``xo-web relay --workers N`` in
front of it, then measures, in alternating rounds so that drift hits both sides alike:

* throughput: ``--clients`` concurrent keep-alive clients posting one-activity batches (the
  browser SDK's usual body) for ``--seconds``, directly to the upstream, then through the relay;
* latency: ``--sequential`` requests one at a time, directly, then through the relay.

It prints requests/s both ways and the relay's p50/p99 with what it adds over the direct call
(the baseline measured in the same run). Everything runs on 127.0.0.1, bounded in time; the
load generator shares the machine's cores with the servers, so the figures are a floor.

    .venv/bin/python -m scripts.bench_server.relay [--seconds 4] [--clients 16] [--rounds 2]

`make bench-server` runs it as its `relay` section (`run`), with the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from xo_web.server.relay.upstream import httpx

KEY = "bench-key"
ORIGIN = "https://shop.example"
SESSION = "8f8f7a0e-4b1c-4c3e-9d7e-1a2b3c4d5e6f"
ACTIVITY = {
    "action": "view",
    "target": {"product": "p-1"},
    "user": {"identities": {"sessionid": SESSION}},
}
BODY = json.dumps([ACTIVITY]).encode()
HEADERS = {"Origin": ORIGIN, "Content-Type": "application/json", "X-SDK": "1"}
UPSTREAM_REPLY = b'{"profiles":{}}'
START_TIMEOUT_S = 30.0


async def upstream_app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    """The stand-in collector: reads the body, answers 200 with empty profiles."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].replace("lifespan.", "")
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"15")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": UPSTREAM_REPLY})


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(command: list[str], port: int) -> Iterator[None]:
    """Run a server process until the block ends, once its port accepts connections."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"server did not start: {' '.join(command)}") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=15)


@dataclass
class Phase:
    """One measured phase: requests answered 2xx, failures, seconds, latencies (ms)."""

    ok: int
    failed: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        """Requests per second answered 2xx."""
        return self.ok / self.seconds if self.seconds else 0.0


async def throughput(url: str, clients: int, seconds: float) -> Phase:
    """`clients` concurrent clients posting for `seconds`."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    failed = 0
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as http:
        end = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal failed
            while time.perf_counter() < end:
                start = time.perf_counter()
                response = await http.post(url, content=BODY, headers=HEADERS)
                if response.status_code == 200:
                    latencies.append((time.perf_counter() - start) * 1000)
                else:
                    failed += 1

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return Phase(len(latencies), failed, time.perf_counter() - began, latencies)


async def sequential(url: str, count: int) -> Phase:
    """`count` requests one after the other on one keep-alive connection."""
    latencies: list[float] = []
    failed = 0
    async with httpx.AsyncClient(timeout=10.0) as http:
        await http.post(url, content=BODY, headers=HEADERS)  # warm the connection
        began = time.perf_counter()
        for _ in range(count):
            start = time.perf_counter()
            response = await http.post(url, content=BODY, headers=HEADERS)
            if response.status_code == 200:
                latencies.append((time.perf_counter() - start) * 1000)
            else:
                failed += 1
        return Phase(len(latencies), failed, time.perf_counter() - began, latencies)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def measure(workers: int, upstream: str, args: argparse.Namespace) -> dict[str, float]:
    """Start the relay with `workers` workers; measure direct and relayed, in rounds."""
    port = free_port()
    command = [sys.executable, "-m", "xo_web.bundler", "relay", "--tracker-key", KEY]
    command += ["--allow-origin", ORIGIN, "--collect-url", upstream, "--port", str(port)]
    command += ["--workers", str(workers), "--rate", "1000000", "--burst", "1000000"]
    command += ["--log-level", "warning"]
    direct_url, relay_url = f"{upstream}/{KEY}", f"http://127.0.0.1:{port}/xo-relay/{KEY}"
    rates: dict[str, list[float]] = {"direct": [], "relay": []}
    latency: dict[str, list[float]] = {"direct": [], "relay": []}
    failures = 0
    with running(command, port):
        asyncio.run(throughput(relay_url, args.clients, 1.0))  # warm every worker's client
        for _ in range(args.rounds):
            for name, url in (("direct", direct_url), ("relay", relay_url)):
                load = asyncio.run(throughput(url, args.clients, args.seconds))
                alone = asyncio.run(sequential(url, args.sequential))
                rates[name].append(load.rate)
                latency[name].extend(alone.latencies_ms)
                failures += load.failed + alone.failed
    return {
        "workers": workers,
        "direct_rps": statistics.median(rates["direct"]),
        "relay_rps": statistics.median(rates["relay"]),
        "direct_p50": percentile(latency["direct"], 50),
        "direct_p99": percentile(latency["direct"], 99),
        "relay_p50": percentile(latency["relay"], 50),
        "relay_p99": percentile(latency["relay"], 99),
        "failures": failures,
    }


def measure_all(args: argparse.Namespace) -> list[dict[str, float]]:
    """Start the stand-in upstream and measure each worker count against it."""
    port = free_port()
    upstream = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "uvicorn", "scripts.bench_server.relay:upstream_app"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    with running(command, port):
        return [measure(workers, upstream, args) for workers in args.workers]


def run(context: object) -> list[Any]:
    """The `make bench-server` section (scripts/bench_server/__main__.py): one row per worker
    count, the relay's added latency as p50/p99 and its requests/s against the direct call's
    in the note (not a delivery rate: the relay delivers nothing itself)."""
    row = importlib.import_module("scripts.bench_server.common").Row
    rows = []
    for figure in measure_all(_parser().parse_args([])):
        added50 = figure["relay_p50"] - figure["direct_p50"]
        added99 = figure["relay_p99"] - figure["direct_p99"]
        note = (
            f"added over a direct call; relay {figure['relay_rps']:,.0f} req/s vs direct "
            f"{figure['direct_rps']:,.0f} req/s (p50 {figure['relay_p50']:.2f} vs "
            f"{figure['direct_p50']:.2f} ms)"
        )
        name = f"xo_web relay, {figure['workers']:.0f} worker(s)"
        rows.append(row(name, added50, added99, None, note))
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_server.relay")
    parser.add_argument("--seconds", type=float, default=4.0, help="throughput phase length")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--sequential", type=int, default=300, help="one-at-a-time requests")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per side")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the figure for each worker count and print the table."""
    args = _parser().parse_args(argv)
    rows = measure_all(args)
    load = os.getloadavg()
    print(f"relay load figure ({os.cpu_count()} cores, load {load[0]:.2f}; {args.clients} clients")
    print(
        f"for throughput, {args.sequential} sequential requests for latency, {args.rounds} rounds)"
    )
    print(
        "workers  direct req/s  relay req/s  direct p50/p99 ms  relay p50/p99 ms  added p50/p99 ms"
    )
    for row in rows:
        added50 = row["relay_p50"] - row["direct_p50"]
        added99 = row["relay_p99"] - row["direct_p99"]
        print(
            f"{row['workers']:>7}  {row['direct_rps']:>12.0f}  {row['relay_rps']:>11.0f}  "
            f"{row['direct_p50']:>8.2f}/{row['direct_p99']:<8.2f} "
            f"{row['relay_p50']:>7.2f}/{row['relay_p99']:<8.2f} {added50:>7.2f}/{added99:<7.2f}"
            + (f"  ({row['failures']:.0f} failed)" if row["failures"] else "")
        )
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
