"""Django's command line for the example site (``python -m examples.server.django_site.manage
runserver 127.0.0.1:8002 --noreload``)."""

import os
import sys


def main() -> None:
    """Run a Django command with the example's settings."""
    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.server.django_site.settings")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
