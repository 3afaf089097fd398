"""Adapters: the only code that talks to the browser (js, pyodide), wiring the core's ports.

The package itself holds the pyodide-http patch only, which ``import xo_web`` runs in Pyodide:
it must not import the rest of the SDK (``xo.js`` imports the SDK's modules one task at a
time; ``xo_web.core.imports`` is the one exception, a few lines). Patching imports
``urllib.request`` and ``http.client`` (about 170 ms of main thread in Chromium): ``xo.js``,
whose pages have no Python of their own, has it applied in idle time after boot
(``XO_WEB_HTTP_PATCH=idle``), after the validators' warm-up and one of these imports per task
(``patch_http_steps``).
"""

from collections.abc import Callable

from xo_web.core.imports import import_step

HTTP_PATCH_MODULES = ("email.parser", "email.message", "http.client", "urllib.request")


def patch_http() -> None:
    """Make page scripts' ``urllib``/``requests`` calls work in Pyodide (pyodide-http)."""
    import pyodide_http

    pyodide_http.patch_all()


def patch_http_steps() -> list[Callable[[], object]]:
    """Return the patch as small steps: the modules it imports one at a time, then the patch
    (an import that fails is left to the patch itself)."""

    return [*(import_step(name) for name in HTTP_PATCH_MODULES), patch_http]
