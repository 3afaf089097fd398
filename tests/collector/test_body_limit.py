"""The body size limit is enforced on the bytes actually streamed, not only on Content-Length."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.testclient import TestClient

from .helpers import stored

CHUNK = 100


def run_streamed_post(app: Starlette, chunks: int, *, content_length: int | None = None):
    """Drive the ASGI app with a chunked POST of ``chunks`` x 100 bytes; count chunks pulled."""
    pulled = 0
    messages: list[dict[str, Any]] = []
    headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    if content_length is None:
        headers.append((b"transfer-encoding", b"chunked"))
    else:
        headers.append((b"content-length", str(content_length).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/collect/demo",
        "raw_path": b"/collect/demo",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        if pulled > chunks:
            return {"type": "http.disconnect"}
        body = (b"[" + b" " * (CHUNK - 1)) if pulled == 1 else b" " * CHUNK
        return {"type": "http.request", "body": body, "more_body": pulled < chunks}

    async def send(message: Any) -> None:
        messages.append(message)

    # A thread of its own: sync Playwright may already run an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, app, scope, receive, send).result()
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], json.loads(body), pulled


def test_streamed_body_over_the_limit_is_413_without_reading_it_all(
    app_factory: Callable[..., Starlette],
) -> None:
    """A chunked body without Content-Length is cut off at 413 once it passes the limit."""
    app = app_factory(max_body_bytes=1000)
    status, body, pulled = run_streamed_post(app, chunks=10_000)  # ~1 MB offered
    assert status == 413
    assert body["error"] == "Payload Too Large"
    assert pulled <= 1000 // CHUNK + 1
    with TestClient(app) as client:
        assert stored(client) == []


def test_body_longer_than_its_content_length_is_413(app_factory: Callable[..., Starlette]) -> None:
    """A body that lies about its (small) Content-Length is still cut off at the limit."""
    app = app_factory(max_body_bytes=1000)
    status, _, pulled = run_streamed_post(app, chunks=10_000, content_length=10)
    assert status == 413
    assert pulled <= 1000 // CHUNK + 1


def test_invalid_content_length_is_400(client: TestClient) -> None:
    """A Content-Length that is not a number gets 400, never a 500."""
    response = client.post(
        "/collect/demo",
        content=b"[]",
        headers={"Content-Type": "application/json", "Content-Length": "abc"},
    )
    assert response.status_code == 400
