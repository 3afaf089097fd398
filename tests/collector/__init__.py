"""Tests of the demo collector (demo/collector)."""

import warnings

# Starlette 1.x deprecates driving its TestClient with httpx in favour of httpx2 (the dev extra
# installs httpx2, the server half's client); where only httpx is installed, keep output clean.
warnings.filterwarnings(
    "ignore",
    message=r"Using `httpx` with `starlette\.testclient` is deprecated",
)
