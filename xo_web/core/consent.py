"""The visitor's consent: the opt-out flag, the opt-in mode, and what the signals add up to.

One rule reads the flag everywhere (`is_opt_out_value`): the visitor has opted out while
`attraqtoptout` holds "true". An opt-out is a consent decision, so it must outlive the page
even when storage is full: the caller's `free_space` (the delivery queue and the stored
session id) runs *before* the flag is written, the write is retried and read back, and a flag
that still cannot be persisted is reported and held in memory for the rest of the page's life.

The opt-in mode (docs/privacy.md): with `consent="required"` nothing may be stored or sent until
consent is granted. `decide` is the one rule that turns the signals into "pending", "granted"
or "denied"; the stricter signal wins: the XO opt-out, then Do-Not-Track / GPC, then the
consent platforms on the page (their verdict, `PAGE_VERDICTS`, comes from xo.js), then the
grant given through the API (`attraqtconsent`), then the mode's default.
"""

from collections.abc import Callable

from xo_web.core.keys import CONSENT_STORAGE_KEY, OPT_OUT_STORAGE_KEY
from xo_web.core.storage import GuardedStorage
from xo_web.errors import ConfigError, ConsentError

OPT_OUT_VALUE = "true"
WRITE_ATTEMPTS = 3
OPT_OUT_NOT_SAVED = (
    "xo_web: the opt-out could not be saved in browser storage; it holds for this page only, "
    "and nothing is sent from it"
)

NOT_REQUIRED = "not-required"
REQUIRED = "required"
MODES = (NOT_REQUIRED, REQUIRED)
PENDING, GRANTED, DENIED = "pending", "granted", "denied"
NO_CMP = "none"
UNANSWERED = "unanswered"
PAGE_VERDICTS = (NO_CMP, PENDING, UNANSWERED, GRANTED, DENIED)
"""What xo.js says of the consent platforms on the page: none found; found and not decided
(a banner is up); found and silent past the wait; granted; refused (or errored)."""


def is_opt_out_value(raw: object) -> bool:
    """Return True when a stored `attraqtoptout` value means "opted out" (exactly "true")."""
    return raw == OPT_OUT_VALUE


def check_mode(mode: object) -> str:
    """Return `mode` if it is one of MODES; raise ConfigError naming it otherwise."""
    if not isinstance(mode, str) or mode not in MODES:
        raise ConfigError(f"consent must be one of {', '.join(MODES)}; got {mode!r}")
    return mode


def decide(mode: str, *, opted_out: bool, refused: bool, page: str, api_granted: bool) -> str:
    """Return "pending", "granted" or "denied" from the signals, the stricter winning.

    A platform that never answered is no consent in the opt-in mode; in the default mode it
    has no say once its wait is over (xo.js reports "unanswered" then).
    """
    if opted_out or refused or page == DENIED:
        return DENIED
    if page == PENDING or (page == UNANSWERED and mode == REQUIRED):
        return PENDING
    if page == GRANTED or mode != REQUIRED:
        return GRANTED
    return GRANTED if api_granted else PENDING


class Consent:
    """Reads and writes the opt-out flag and the API grant in a storage that never raises;
    holds the mode and the page's verdict."""

    def __init__(self, storage: GuardedStorage, report: Callable[[ConsentError], None]) -> None:
        self._storage = storage
        self._report = report
        self._held_for_page = False  # an opt-out this page could not persist
        self.mode = NOT_REQUIRED
        self.page = NO_CMP  # the verdict of the consent platforms, as xo.js reported it

    @property
    def opted_out(self) -> bool:
        """True while the visitor has opted out, in storage or for this page."""
        return self._held_for_page or is_opt_out_value(self._storage.get(OPT_OUT_STORAGE_KEY))

    @property
    def api_granted(self) -> bool:
        """True when the visitor granted consent through the API (remembered across pages)."""
        return self._storage.get(CONSENT_STORAGE_KEY) == GRANTED

    def state(self, *, refused: bool) -> str:
        """Return "pending", "granted" or "denied" now (`refused`: DNT or GPC is on)."""
        return decide(
            self.mode,
            opted_out=self.opted_out,
            refused=refused,
            page=self.page,
            api_granted=self.mode == REQUIRED and self.api_granted,
        )

    def set_page(self, verdict: object) -> None:
        """Take the page's verdict; an unknown one counts as "pending" (no consent)."""
        self.page = verdict if isinstance(verdict, str) and verdict in PAGE_VERDICTS else PENDING

    def opt_out(self, free_space: Callable[[], object]) -> bool:
        """Record an opt-out: free space first, then write and read back; True if persisted.

        When every attempt fails, the opt-out holds for this page and a ConsentError is
        reported; the caller goes on as opted out either way.
        """
        self._held_for_page = True  # from now on, whatever storage does
        self._storage.remove(CONSENT_STORAGE_KEY)
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
        """Undo an opt-out, in storage and for this page; in the opt-in mode, remember the
        grant (`attraqtconsent`)."""
        self._held_for_page = False
        self._storage.remove(OPT_OUT_STORAGE_KEY)
        if self.mode == REQUIRED:
            self._storage.set(CONSENT_STORAGE_KEY, GRANTED)

    def forget_grant(self) -> None:
        """Remove the remembered API grant (a withdrawal)."""
        self._storage.remove(CONSENT_STORAGE_KEY)

    def _read_back(self) -> bool:
        value = self._storage.get(OPT_OUT_STORAGE_KEY)
        return not self._storage.last_read_failed and is_opt_out_value(value)
