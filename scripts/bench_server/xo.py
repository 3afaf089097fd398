"""xo_web.server: durable enqueue latency and delivery rate, SQLite file and PostgreSQL.

Each `send` returns once its activity is committed (SQLite: WAL with synchronous=FULL, an
fsync per commit; PostgreSQL: a committed INSERT); the tracker's sender thread delivers
meanwhile. A second line per outbox sends lists of 100 (one commit each), what a backend
that confirms a whole order at once does; a third sends from 8 threads at once, as a threaded
web server does (concurrent sends share a commit: group commit).
"""

from __future__ import annotations

import os

from scripts.bench_server.common import (
    THREADS,
    USER,
    Context,
    Row,
    measure,
    measure_threads,
    purchase,
)
from xo_web.server import Tracker

BATCH = 100


def _rows(context: Context, label: str, outbox: str) -> list[Row]:
    tracker = Tracker("bench", collect_url=context.sink_url, outbox=outbox)
    try:
        tracker.send(purchase(-1), user=USER)  # schema, connection and sender made first
        tracker.flush(30.0)
        context.wait_delivered(context.delivered())

        def send_one(n: int) -> None:
            tracker.send(purchase(n), user=USER)

        single = measure(
            context,
            f"xo_web.server {label}",
            send_one,
            lambda: tracker.flush(120.0),
            "durable, one send per activity",
        )

        def send_list(first: int) -> None:
            tracker.send([purchase(first + i) for i in range(BATCH)], user=USER)

        listed = measure(
            context,
            f"xo_web.server {label} (lists of {BATCH})",
            send_list,
            lambda: tracker.flush(120.0),
            f"durable, one send (and commit) per {BATCH}",
            per_call=BATCH,
        )
        threaded = measure_threads(
            context,
            f"xo_web.server {label} ({THREADS} threads)",
            send_one,
            lambda: tracker.flush(120.0),
            f"durable, one send per activity, {THREADS} threads (group commit)",
        )
    finally:
        tracker.close(10.0)
    return [single, listed, threaded]


def run(context: Context) -> list[Row]:
    """SQLite in the run's folder, then PostgreSQL in a temporary cluster."""
    rows = _rows(context, "SQLite", f"sqlite:///{os.path.join(context.workdir, 'xo.db')}")
    from tests.support.postgres import Cluster

    cluster = Cluster(durable=True)  # fsync and synchronous_commit on: durable commits
    try:
        dsn = cluster.create_database("xo_bench")
        rows += _rows(context, "PostgreSQL", dsn)
    finally:
        cluster.stop()
    return rows
