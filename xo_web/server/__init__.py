"""Host-only (CPython): the server half of xo_web, kept out of the browser wheel."""
