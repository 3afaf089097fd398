"""Host-only tooling (never in the browser wheel): `xo-web build` and what it needs."""
