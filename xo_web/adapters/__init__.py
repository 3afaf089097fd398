"""Adapters: the only code that talks to the browser (js, pyodide), wiring the core's ports.

The package itself holds ``patch_http`` only, which ``import xo_web`` runs in Pyodide: it must
not import the rest of the SDK (``xo.js`` imports the SDK's modules one task at a time).
"""


def patch_http() -> None:
    """Make page scripts' ``urllib``/``requests`` calls work in Pyodide (pyodide-http)."""
    import pyodide_http

    pyodide_http.patch_all()
