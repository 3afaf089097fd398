"""The collector's endpoints: what each route does with a request (see :func:`collector_routes`).

* ``POST /collect/{tracker_key}`` — the XO collect endpoint (use
  ``collect_url="http://HOST:PORT/collect"`` in the SDK). Body: one activity or a JSON array.
* ``GET /api/activities?since=ID&limit=N`` — stored activities with ``id > since``, oldest first.
* ``GET /api/profiles`` — the stitched profiles (see :mod:`demo.collector.profiles`).
* ``GET|POST|DELETE /api/faults`` — make the next collect calls fail (retry tests, demo).
* ``GET /api/health`` — liveness and activity count.
* ``GET /inspector`` — a live HTML view of the two APIs above.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from demo.collector import profiles
from demo.collector.errors import Rejected
from demo.collector.faults import FaultPlan, parse_fault
from demo.collector.intake import int_param, read_json, validate_activities
from demo.collector.stitching import ActivityRow
from demo.collector.store import ActivityStore

log = logging.getLogger("demo.collector")

ACTIVITIES_PAGE_MAX = 1000
FAULT_BODY_MAX_BYTES = 4096

_STATIC_DIR = Path(__file__).parent
_INSPECTOR_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_INSPECTOR_FILES = {
    "/inspector": ("inspector.html", "text/html; charset=utf-8"),
    "/inspector.js": ("inspector.js", "text/javascript; charset=utf-8"),
    "/inspector.css": ("inspector.css", "text/css; charset=utf-8"),
}


class Endpoints:
    """The request handlers, over one store, one fault plan and the accepted tracker keys."""

    def __init__(
        self,
        store: ActivityStore,
        faults: FaultPlan,
        tracker_keys: Collection[str],
        max_body_bytes: int,
    ) -> None:
        self.store = store
        self.faults = faults
        self.tracker_keys = tracker_keys
        self.max_body_bytes = max_body_bytes

    async def collect(self, request: Request) -> Response:
        """Validate a batch, store and stitch it in one transaction, answer its profiles."""
        tracker_key = request.path_params["tracker_key"]
        if tracker_key not in self.tracker_keys:
            raise Rejected(401, "Unknown tracker key")
        fault = self.faults.take()
        if fault is not None:
            raise fault.rejection()
        wires = validate_activities(await read_json(request, self.max_body_bytes))
        try:
            via = request.headers.get("via")
            rows, assigned = await run_in_threadpool(self.store.add, tracker_key, wires, via)
        except sqlite3.OperationalError:
            log.exception("collector store unavailable")
            raise Rejected(503, "Store busy, retry later", headers={"Retry-After": "1"}) from None
        log.info("stored %d activities for %s", len(rows), tracker_key)
        return JSONResponse({"profiles": profiles.answer(rows, assigned)})

    async def activities(self, request: Request) -> Response:
        """A page of stored activities after ``since``."""
        since = int_param(request, "since", default=0, minimum=0)
        limit = int_param(
            request, "limit", default=ACTIVITIES_PAGE_MAX, minimum=1, maximum=ACTIVITIES_PAGE_MAX
        )
        rows = await run_in_threadpool(self.store.since, since, limit)
        return JSONResponse([activity_json(row) for row in rows])

    async def profiles(self, request: Request) -> Response:
        """Every stitched profile."""
        found = await run_in_threadpool(self.store.profiles)
        return JSONResponse([p.to_json() for p in found])

    async def health(self, request: Request) -> Response:
        """Liveness and the number of stored activities."""
        count = await run_in_threadpool(self.store.count)
        return JSONResponse({"status": "ok", "activities": count})

    async def fault_plan(self, request: Request) -> Response:
        """Show (GET), extend (POST, JSON only) or clear (DELETE) the pending faults."""
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            fault, count = parse_fault(await read_json(request, FAULT_BODY_MAX_BYTES))
            self.faults.add(fault, count)
        return JSONResponse({"pending": self.faults.to_json()})

    async def inspector_file(self, request: Request) -> Response:
        """The inspector's page, script or style sheet, under a strict CSP."""
        name, media_type = _INSPECTOR_FILES[request.url.path]
        return Response(
            (_STATIC_DIR / name).read_bytes(),
            media_type=media_type,
            headers={
                "Content-Security-Policy": _INSPECTOR_CSP,
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-cache",
            },
        )

    def routes(self) -> list[BaseRoute]:
        """The collector's own routes."""
        return [
            Route("/collect/{tracker_key}", self.collect, methods=["POST"]),
            Route("/api/activities", self.activities, methods=["GET"]),
            Route("/api/profiles", self.profiles, methods=["GET"]),
            Route("/api/health", self.health, methods=["GET"]),
            Route("/api/faults", self.fault_plan, methods=["GET", "POST", "DELETE"]),
            *(Route(path, self.inspector_file, methods=["GET"]) for path in _INSPECTOR_FILES),
        ]


def activity_json(row: ActivityRow) -> dict[str, Any]:
    """A stored activity as returned by ``GET /api/activities``."""
    return {
        "id": row.id,
        "receivedAt": row.received_at,
        "trackerKey": row.tracker_key,
        "sessionId": row.sessionid,
        "ecommerceId": row.ecommerceid,
        "via": row.via,
        "activity": row.wire,
    }
