"""Tests of the demo collector (demo/collector)."""

import warnings

# Starlette 1.x deprecates driving its TestClient with httpx in favour of httpx2, which is not
# a dependency of this project; httpx still works, so keep the test output clean.
warnings.filterwarnings(
    "ignore",
    message=r"Using `httpx` with `starlette\.testclient` is deprecated",
)
