"""The page as the core sees it: an Environment and an `on_error` callback that never raise.

Every call into page code (privacy signals, online state, the console, error events, the
caller's `on_error`) can fail; none of those failures may break a send. When a signal cannot be
read, the safe answer is taken: tracking refused (respect privacy), online (a failed attempt is
queued anyway).
"""

import contextlib
from collections.abc import Callable

from xo_web.core.ports import Environment
from xo_web.errors import DeliveryError


class SafePage:
    """Wraps an Environment and the `on_error` callback so that no call raises."""

    def __init__(
        self, environment: Environment, on_error: Callable[[DeliveryError], None] | None
    ) -> None:
        self.environment = environment
        self.on_error = on_error

    def tracking_refused(self) -> bool:
        """Return True when the visitor refuses tracking, or when that cannot be read."""
        try:
            return bool(self.environment.tracking_refused())
        except Exception:
            return True

    def is_online(self) -> bool:
        """Return the browser's online state, True when it cannot be read."""
        try:
            return bool(self.environment.is_online())
        except Exception:
            return True

    def warn(self, message: str) -> None:
        """Show `message` on the console; a broken console is ignored."""
        with contextlib.suppress(Exception):
            self.environment.warn(message)

    def report(self, error: DeliveryError) -> None:
        """Announce `error` to the page and to `on_error`; their failures are only warned."""
        try:
            self.environment.report(error)
        except Exception as exc:
            self.warn(f"xo_web: reporting a delivery error failed: {exc!r}")
        if self.on_error is not None:
            try:
                self.on_error(error)
            except Exception as exc:
                self.warn(f"xo_web: the on_error callback raised {exc!r}")
