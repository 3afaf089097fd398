"""Reliability report: 1,000 activities through the pure core under injected failures.

A scripted run (no browser, no sleeping): one tab sends 1,000 activities, one per send, at
random intervals on a fake clock, to a collector that answers 30% of requests with a 5xx,
aborts 10%, sometimes says 429 with Retry-After, and answers late. Mid-way the page reloads
(the Tracker is dropped with requests in flight and a new one is built over the same storage),
and every few hundred sends the page is hidden (keepalive flush). Prints a JSON object and a
table: how many activities were sent (transmissions, retries included), accepted by the
collector, duplicated and lost. Exits 1 if anything was lost.

    python scripts/faults.py [--seed N] [--activities N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xo_web.core.keys import OUTBOX_ENTRY_PREFIX
from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.core.tracker import Tracker
from xo_web.errors import TransportError
from xo_web.testing import (
    START,
    FakeClock,
    ManualTimer,
    MemoryLocks,
    MemoryStorage,
    QuietEnvironment,
)


@dataclass
class Collector:
    """The faulty collector: records every transmission and every accepted activity."""

    rng: random.Random
    sent: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    faulty: bool = True

    async def send(self, request: HttpRequest) -> HttpResponse:
        ids = [a["target"]["id"] for a in json.loads(request.body)]
        self.sent.update(ids)
        roll = self.rng.random() if self.faulty else 1.0
        await asyncio.sleep(0)  # answers come back later than the request leaves
        if roll < 0.30:
            status = self.rng.choice([500, 502, 503, 504])
            self.answers[str(status)] += 1
            return HttpResponse(status, {}, "")
        if roll < 0.40:
            self.answers["abort"] += 1
            raise TransportError("Failed to fetch")
        if roll < 0.42:
            self.answers["429"] += 1
            return HttpResponse(429, {"retry-after": "3"}, "")
        self.accepted.update(ids)
        self.answers["200"] += 1
        await asyncio.sleep(0)  # accepted, but the answer may never reach a reloading page
        return HttpResponse(200, {}, '{"profiles": {}}')


@dataclass
class Run:
    """One scripted run: storage, clock, collector and the tab of the moment."""

    seed: int
    storage: MemoryStorage = field(default_factory=MemoryStorage)
    clock: FakeClock = field(default_factory=FakeClock)
    locks: MemoryLocks = field(default_factory=MemoryLocks)
    environment: QuietEnvironment = field(default_factory=QuietEnvironment)
    reloads: int = 0
    hides: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.collector = Collector(random.Random(self.seed + 1))
        self.timers = ManualTimer(self.clock)
        self.tab = self.open()

    def open(self) -> Tracker:
        self.timers = ManualTimer(self.clock)
        tracker = Tracker(
            self.storage,
            self.collector,
            environment=self.environment,
            clock=self.clock,
            random=self.rng.random,
            timer=self.timers,
            locks=self.locks,
        )
        tracker.init("faults", timeout_s=5, delivery={"max_attempts": 1000})
        return tracker

    def reload(self) -> None:
        """Drop the page with whatever is in flight, then boot a new one over the storage."""
        self.tab.close()
        self.reloads += 1
        self.tab = self.open()

    async def advance(self, seconds: float) -> None:
        end = self.clock.now + seconds
        while True:
            await self.idle()
            due = self.timers.next_due()
            if due is None or due > end:
                self.clock.now = end
                return
            self.clock.now = max(self.clock.now, due)
            self.timers.fire_due()

    async def idle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)
        await self.tab.idle()

    def queued(self) -> int:
        return sum(1 for key in self.storage.data if key.startswith(OUTBOX_ENTRY_PREFIX))


async def play(seed: int, count: int) -> dict[str, Any]:
    run = Run(seed)
    accepted_by_sdk: list[str] = []
    for index in range(count):
        activity_id = f"a{index:04d}"
        run.tab.send({"action": "view", "target": {"product": "p", "id": activity_id}})
        accepted_by_sdk.append(activity_id)
        for _ in range(run.rng.randint(0, 3)):
            await asyncio.sleep(0)  # sometimes the next call comes before the answer
        if index == count // 2:
            run.reload()
        elif index % 300 == 299:
            run.tab.flush_on_unload()
            run.hides += 1
        await run.advance(run.rng.expovariate(2.0))
    waited = 0.0
    while run.queued() and waited < 24 * 3600:
        await run.advance(60)
        waited += 60
    delivered = set(run.collector.accepted)
    stats = run.tab.delivery_stats.as_dict()
    return {
        "seed": seed,
        "activities": count,
        "accepted_by_sdk": len(accepted_by_sdk),
        "sent": sum(run.collector.sent.values()),
        "accepted": len(delivered),
        "duplicated": sum(run.collector.accepted.values()) - len(delivered),
        "lost": len(set(accepted_by_sdk) - delivered),
        "invented": len(delivered - set(accepted_by_sdk)),
        "requests": sum(run.collector.answers.values()),
        "answers": dict(sorted(run.collector.answers.items())),
        "reloads": run.reloads,
        "page_hides": run.hides,
        "left_in_outbox": run.queued(),
        "simulated_s": round(run.clock.now - START, 1),
        "last_tab": {k: v for k, v in stats.items() if v},
    }


def table(report: dict[str, Any]) -> str:
    """Return the headline numbers as a small text table."""
    rows = [
        ("activities", report["activities"]),
        ("sent (transmissions)", report["sent"]),
        ("accepted (unique)", report["accepted"]),
        ("duplicated", report["duplicated"]),
        ("lost", report["lost"]),
        ("requests", report["requests"]),
        ("reloads / page hides", f"{report['reloads']} / {report['page_hides']}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value:>8}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    """Run the scripted fault run, print the JSON report and the table; 1 if anything lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--activities", type=int, default=1000)
    args = parser.parse_args(argv)
    report = asyncio.run(play(args.seed, args.activities))
    print(json.dumps(report, indent=2))
    print()
    print(table(report))
    return 1 if report["lost"] or report["invented"] else 0


if __name__ == "__main__":
    sys.exit(main())
