"""The defaults a Tracker uses when it is not given a port: random ids and a logging page."""

import logging
import uuid

from xo_web.errors import DeliveryError

_log = logging.getLogger("xo_web")


def new_uuid() -> str:
    """Return a fresh random UUID v4 string: the default IdFactory."""
    return str(uuid.uuid4())


class LoggingEnvironment:
    """The default Environment outside the browser: never refused, logs to `xo_web`."""

    def tracking_refused(self) -> bool:
        """Return False: there is no privacy signal outside the browser."""
        return False

    def is_online(self) -> bool:
        """Return True: outside the browser the network is assumed to be there."""
        return True

    def warn(self, message: str) -> None:
        """Log `message` as a warning."""
        _log.warning("%s", message)

    def report(self, error: DeliveryError) -> None:
        """Log the failed delivery as a warning."""
        _log.warning("xo_web: delivery failed: %s", error)
