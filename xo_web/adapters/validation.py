"""The full validator in the browser: pydantic's wheels, loaded on first need.

Booting the SDK loads only what ``ready`` needs (the bundle's lock entry of ``xo-web`` does not
depend on pydantic: xo_web/bundler/pins.py). `PydanticOnFirstNeed` is the `FullValidation`
port (xo_web.core.validation): ready once pydantic is importable — a PyScript page that lists
``pydantic`` in its ``packages`` has it from the start — and otherwise loaded with
``pyodide.loadPackage("pydantic")`` from the lock the runtime booted with (the bundle's, in
xo.js, its worker, and PyScript pages alike).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util

FULL_VALIDATION_PACKAGE = "pydantic"


class PydanticOnFirstNeed:
    """Ready when pydantic is importable; `load` fetches and installs its wheels once."""

    def __init__(self) -> None:
        self._ready = False

    def ready(self) -> bool:
        """Return True once pydantic can be imported (checked until it can)."""
        if not self._ready:
            self._ready = importlib.util.find_spec(FULL_VALIDATION_PACKAGE) is not None
        return self._ready

    async def load(self) -> None:
        """Load pydantic's wheels (and their dependencies) from the runtime's lock."""
        if self.ready():
            return
        import pyodide_js

        await pyodide_js.loadPackage(FULL_VALIDATION_PACKAGE)
        importlib.invalidate_caches()
        if not self.ready():
            raise ImportError(f"{FULL_VALIDATION_PACKAGE} did not load")
        await _warm_in_slices()


async def _warm_in_slices() -> None:
    """Import pydantic and build the validators one step per task (xo_web.wire.warmup), so
    the held calls do not run behind one long task; a failing step stops (first use raises)."""
    from xo_web.wire.warmup import warm_steps

    try:
        for step in warm_steps():
            step()
            await asyncio.sleep(0)
    except Exception:
        return
