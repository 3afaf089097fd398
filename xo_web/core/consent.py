"""The visitor's consent: the opt-out flag, how it is read, and how it is made to last.

One rule reads the flag everywhere (`is_opt_out_value`): the visitor has opted out while
`attraqtoptout` holds "true". An opt-out is a consent decision, so it must outlive the page
even when storage is full: the caller's `free_space` (the delivery queue and the stored
session id) runs *before* the flag is written, the write is retried and read back, and a flag
that still cannot be persisted is reported and held in memory for the rest of the page's life.
"""

from collections.abc import Callable

from xo_web.core.keys import OPT_OUT_STORAGE_KEY
from xo_web.core.storage import GuardedStorage
from xo_web.errors import ConsentError

OPT_OUT_VALUE = "true"
WRITE_ATTEMPTS = 3
OPT_OUT_NOT_SAVED = (
    "xo_web: the opt-out could not be saved in browser storage; it holds for this page only, "
    "and nothing is sent from it"
)


def is_opt_out_value(raw: object) -> bool:
    """Return True when a stored `attraqtoptout` value means "opted out" (exactly "true")."""
    return raw == OPT_OUT_VALUE


class Consent:
    """Reads and writes the opt-out flag in a storage that never raises."""

    def __init__(self, storage: GuardedStorage, report: Callable[[ConsentError], None]) -> None:
        self._storage = storage
        self._report = report
        self._held_for_page = False  # an opt-out this page could not persist

    @property
    def opted_out(self) -> bool:
        """True while the visitor has opted out, in storage or for this page."""
        return self._held_for_page or is_opt_out_value(self._storage.get(OPT_OUT_STORAGE_KEY))

    def opt_out(self, free_space: Callable[[], object]) -> bool:
        """Record an opt-out: free space first, then write and read back; True if persisted.

        When every attempt fails, the opt-out holds for this page and a ConsentError is
        reported; the caller goes on as opted out either way.
        """
        self._held_for_page = True  # from now on, whatever storage does
        free_space()
        for _ in range(WRITE_ATTEMPTS):
            written = self._storage.set(OPT_OUT_STORAGE_KEY, OPT_OUT_VALUE)
            if written and self._read_back():
                self._held_for_page = False
                return True
            free_space()
        self._report(ConsentError(OPT_OUT_NOT_SAVED))
        return False

    def opt_in(self) -> None:
        """Undo an opt-out, in storage and for this page."""
        self._held_for_page = False
        self._storage.remove(OPT_OUT_STORAGE_KEY)

    def _read_back(self) -> bool:
        value = self._storage.get(OPT_OUT_STORAGE_KEY)
        return not self._storage.last_read_failed and is_opt_out_value(value)
