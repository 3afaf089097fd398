"""Benchmarks of the server half (host-only): `python -m scripts.bench_server.<name>`."""
