"""The page's consent platforms as the main thread's Tracker hears them (through xo.js).

``xo.consent`` (xo.js's consent part) finds IAB TCF, GPP and Google Consent Mode on the page
and gives one verdict; this module hands each verdict to the Tracker (``_set_page_consent``)
and tells xo.js the Tracker's own state back (its page-hide writes need it). Workers hear the
same verdict through the bridge (``xo_web.adapters.bridge``).
"""

from __future__ import annotations

from typing import Any

import js
from pyodide.ffi import create_proxy

from xo_web.tracker import Tracker

_kept_alive: list[Any] = []  # proxies handed to JS must outlive the call that made them
_consent_heard: set[int] = set()  # ids of the trackers listening to xo.consent


def listen_for_consent(tracker: Tracker) -> None:
    """Hear the page's consent platforms through ``xo.consent`` (xo.js), once it is there,
    and tell it the tracker's own state (its page-hide writes need it)."""
    consent = getattr(getattr(js.window, "xo", None), "consent", None)
    if consent is None or id(tracker) in _consent_heard:
        return
    _consent_heard.add(id(tracker))

    def on_verdict(verdict: Any) -> None:
        tracker._set_page_consent(str(verdict))

    proxy = create_proxy(on_verdict)
    _kept_alive.append(proxy)
    tracker._on_consent = lambda state: consent.sdk(state)
    consent.listen(proxy)
    if tracker.is_initialized:  # else init tells it (through _on_consent), with the mode
        consent.sdk(tracker.consent)
