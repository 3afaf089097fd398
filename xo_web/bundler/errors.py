"""Host-only: the errors of ``xo-web build``/``fetch``, each shown as one line (exit code 2)."""

from __future__ import annotations


class BundleError(RuntimeError):
    """The bundle cannot be built: a missing input, a bad option or an unsafe output folder."""


class FetchError(BundleError):
    """A download failed: no network, a registry refusing, or nothing cached for --offline."""


class IntegrityError(BundleError):
    """A downloaded or cached file does not match its pinned hash."""


class WheelTagError(BundleError):
    """A shop wheel is neither pure Python nor built for Pyodide's platform."""


class ConfigMergeError(BundleError):
    """The shop's PyScript settings conflict with the bundle's own."""
