"""Fixtures for the demo collector tests: a fresh data dir, the app and a test client."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from demo.collector.app import create_app
from demo.collector.guards import DEFAULT_ALLOWED_HOSTS

from .helpers import JSON_HEADERS, STOREFRONT


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh, not yet existing data directory."""
    return tmp_path / "data"


@pytest.fixture
def app_factory(data_dir: Path) -> Callable[..., Starlette]:
    """Build a collector app over the test's data dir (keyword overrides allowed)."""

    def build(**overrides: Any) -> Starlette:
        options: dict[str, Any] = {
            "data_dir": data_dir,
            "allowed_origins": [STOREFRONT],
            "allowed_hosts": [*DEFAULT_ALLOWED_HOSTS, "testserver"],  # TestClient's Host
        }
        options.update(overrides)
        return create_app(**options)

    return build


@pytest.fixture
def client(app_factory: Callable[..., Starlette]) -> Iterator[TestClient]:
    """A test client that turns server errors into 500 responses instead of exceptions."""
    with TestClient(app_factory(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def post(client: TestClient) -> Callable[..., httpx.Response]:
    """POST a JSON-able payload (or ``raw`` bytes) to /collect/<key> with the SDK's headers."""

    def send(
        payload: Any = None,
        *,
        key: str = "demo",
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = json.dumps(payload).encode() if raw is None else raw
        response: httpx.Response = client.post(
            f"/collect/{key}", content=body, headers={**JSON_HEADERS, **(headers or {})}
        )
        return response

    return send
