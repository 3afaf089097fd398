"""What the sections share: the run's context, a result row, timing and waiting for the sink."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

SESSION = "bench000-0000-4000-8000-000000000000"
THREADS = 8  # producer threads of the concurrent rows: a threaded web server's shape
USER = {"identities": {"sessionid": SESSION}}


def purchase(n: int) -> dict[str, object]:
    """The activity every SDK sends, numbered."""
    return {
        "action": "purchase",
        "target": {"product": f"p-{n % 50}"},
        "metadata": {"orderId": f"ord-{n}", "price": 4200, "quantity": 1, "currency": "EUR"},
    }


@dataclass
class Context:
    """One run: the sink's URL, how many sends per measurement, a temp folder, shared state."""

    sink_url: str
    count: int
    workdir: str
    shared: dict[str, object] = field(default_factory=dict)

    def delivered(self) -> int:
        """How many activities the sink has counted so far."""
        answer = httpx.get(f"{self.sink_url}/count", timeout=5.0).json()
        return int(answer["activities"])

    def wait_delivered(self, target: int, timeout_s: float = 120.0) -> bool:
        """Poll the sink until it counted ``target`` activities; False at the timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.delivered() >= target:
                return True
            time.sleep(0.005)
        return self.delivered() >= target


@dataclass(frozen=True)
class Row:
    """One measured line: what, the enqueue latency (ms), the delivery rate (activities/s)."""

    name: str
    p50_ms: float | None
    p99_ms: float | None
    delivered_per_s: float | None
    note: str = ""


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) of ``samples``, interpolated."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def measure(
    context: Context,
    name: str,
    enqueue: Callable[[int], object],
    drain: Callable[[], object],
    note: str = "",
    per_call: int = 1,
) -> Row:
    """Enqueue ``context.count`` activities, ``per_call`` per timed call (``enqueue(first)``),
    drain, and wait until the sink counted them all: latency per call, activities/s overall."""
    before = context.delivered()
    latencies: list[float] = []
    started = time.perf_counter()
    for first in range(0, context.count, per_call):
        t0 = time.perf_counter_ns()
        enqueue(first)
        latencies.append((time.perf_counter_ns() - t0) / 1e6)
    drain()
    arrived = context.wait_delivered(before + context.count)
    elapsed = time.perf_counter() - started
    rate = context.count / elapsed if arrived else None
    return Row(
        name,
        percentile(latencies, 50),
        percentile(latencies, 99),
        rate,
        note if arrived else f"{note} NOT ALL DELIVERED".strip(),
    )


def measure_threads(
    context: Context,
    name: str,
    enqueue: Callable[[int], object],
    drain: Callable[[], object],
    note: str = "",
    threads: int = THREADS,
) -> Row:
    """`measure` with `threads` producer threads sending ``context.count`` activities between
    them, one per call: latency per call, activities/s from the first send until the sink
    counted them all."""
    before = context.delivered()
    latencies: list[list[float]] = [[] for _ in range(threads)]
    go = threading.Event()

    def produce(index: int) -> None:
        go.wait()
        mine = latencies[index]
        for n in range(index, context.count, threads):
            t0 = time.perf_counter_ns()
            enqueue(n)
            mine.append((time.perf_counter_ns() - t0) / 1e6)

    workers = [threading.Thread(target=produce, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    started = time.perf_counter()
    go.set()
    for worker in workers:
        worker.join()
    drain()
    arrived = context.wait_delivered(before + context.count)
    elapsed = time.perf_counter() - started
    samples = [ms for mine in latencies for ms in mine]
    return Row(
        name,
        percentile(samples, 50),
        percentile(samples, 99),
        context.count / elapsed if arrived else None,
        note if arrived else f"{note} NOT ALL DELIVERED".strip(),
    )
