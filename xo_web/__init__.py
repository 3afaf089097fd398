"""xo_web: the Attraqt XO activity SDK for Python running in the browser."""

__version__ = "0.1.0"
