"""The peers' server SDKs, memory-only as they are, pointed at the same sink (their host).

segment-analytics-python (`analytics.Client(host=…)`, posts ``/v1/batch``) and posthog
(`Posthog(host=…)`, posts ``/batch/``); enqueue is their in-memory ``track``/``capture``,
delivery their consumer threads, drained with their own ``flush()``. Not installed: the row
says so (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

from scripts.bench_server.common import (
    SESSION,
    THREADS,
    Context,
    Row,
    measure,
    measure_threads,
    purchase,
)


def _segment(context: Context) -> list[Row]:
    from segment.analytics import Client

    client = Client("bench-write-key", host=context.sink_url, max_retries=1)
    try:

        def track(n: int) -> None:
            client.track(user_id=SESSION, event="purchase", properties=purchase(n))

        return [
            measure(context, "segment-analytics-python", track, client.flush, "memory only"),
            measure_threads(
                context,
                f"segment-analytics-python ({THREADS} threads)",
                track,
                client.flush,
                "memory only",
            ),
        ]
    finally:
        client.shutdown()


def _posthog(context: Context) -> list[Row]:
    from posthog import Posthog

    client = Posthog("bench-api-key", host=context.sink_url, max_retries=1)
    try:

        def capture(n: int) -> None:
            client.capture("purchase", distinct_id=SESSION, properties=purchase(n))

        return [
            measure(context, "posthog", capture, client.flush, "memory only"),
            measure_threads(
                context, f"posthog ({THREADS} threads)", capture, client.flush, "memory only"
            ),
        ]
    finally:
        client.shutdown()


def run(context: Context) -> list[Row]:
    """One row per peer (or a row saying it is not installed)."""
    rows: list[Row] = []
    for name, measure_peer in (("segment-analytics-python", _segment), ("posthog", _posthog)):
        try:
            rows.extend(measure_peer(context))
        except ImportError:
            rows.append(Row(name, None, None, None, "not installed: pip install -e '.[bench]'"))
    return rows
