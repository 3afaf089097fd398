"""Developer scripts (bench, faults, load); a package so that ``python -m scripts.bench`` works."""
