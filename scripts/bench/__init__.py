"""The xo_web benchmark (not a test): ``python -m scripts.bench`` or ``make bench``.

It drives headless Chromium against the built bundle served locally and prints one JSON object
and a table; every ratio is against a baseline measured in the same run. Modules:

- ``catalog``: the pages (one entry each; the files are in ``pages/``) and when they apply;
- ``server``: the one local origin (pages, bundle, reference SDK, counting sink);
- ``browser``: Chromium, contexts with the init scripts, the no-routing network guard;
- ``stats``: medians, ratios and blocking from heartbeat gaps (pure, tested);
- ``boot``, ``calls``, ``burst``: the measurements; ``report``: the table; ``cli``: the run.
"""
