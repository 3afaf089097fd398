"""gunicorn settings for examples/server/gunicorn_app.py: preloaded app, two workers."""

import os

wsgi_app = "examples.server.gunicorn_app:app"
preload_app = True
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
bind = os.environ.get("XO_BIND", "127.0.0.1:8001")
accesslog = None
