"""Runnable recipes of xo_web.server in web frameworks (docs/server-frameworks.md).

Each reads its configuration from the environment (`shop.py`): ``XO_TRACKER_KEY``,
``XO_COLLECT_URL`` (a local sink in the tests; unset: the real collector), ``XO_OUTBOX``.
"""
