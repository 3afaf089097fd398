"""Adapters: the only code that talks to the browser (js, pyodide), wiring the core's ports."""
