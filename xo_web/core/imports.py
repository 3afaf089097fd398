"""Importing a module as one step of work spread over tasks (the boot's and the warm-up's).

A step that fails to import returns None: the code that needs the module imports it again
and raises the real error there.
"""

import importlib
from collections.abc import Callable


def import_step(name: str) -> Callable[[], object]:
    """Return a step that imports ``name`` (the module, or None when it cannot be imported)."""

    def step() -> object:
        try:
            return importlib.import_module(name)
        except ImportError:
            return None

    return step
