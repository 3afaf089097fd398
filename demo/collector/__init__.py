"""A local, XO-compatible activity collector for the demo (Starlette + SQLite)."""

from demo.collector.app import create_app

__all__ = ["create_app"]
