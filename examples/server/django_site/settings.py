"""Django settings: xo_web's app config in INSTALLED_APPS, its options in XO_WEB."""

from examples.server.shop import collect_url, outbox, tracker_key

SECRET_KEY = "example-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "examples.server.django_site.urls"
INSTALLED_APPS = ["xo_web.server.integrations.django.XOConfig"]
MIDDLEWARE: list[str] = []
DATABASES: dict[str, object] = {}
USE_TZ = True
XO_WEB = {"tracker_key": tracker_key(), "collect_url": collect_url(), "outbox": outbox()}
