"""Every name the SDK keeps in the browser's storage, and the name of its one Web Lock.

The first two are the JS SDK's own keys, so a site can switch SDKs without starting every
visitor over; the others are xo_web's and all start with "attraqt" (docs/privacy.md).
"""

KEY_PREFIX = "attraqt"
"""Every key below starts with this; a page's other keys are never read or written."""
SESSION_STORAGE_KEY = "attraqtsessionid"
"""The anonymous session id, a UUID v4 string."""
OPT_OUT_STORAGE_KEY = "attraqtoptout"
""""true" while the visitor has opted out; absent otherwise."""
CONSENT_STORAGE_KEY = "attraqtconsent"
""""granted" once the visitor granted consent through the API (`opt_in`) in the opt-in mode
(consent="required"); a refusal is `attraqtoptout`, the JS SDK's key."""
OUTBOX_ENTRY_PREFIX = "attraqtoutbox:"
"""One key per queued outbox entry: this prefix and the entry id."""
PAUSE_STORAGE_KEY = "attraqtpause"
"""Until when the collector's Retry-After pauses every tab (epoch seconds)."""
LEASE_STORAGE_KEY = "attraqtoutboxlock"
"""The outbox lock kept as a lease in storage, where Web Locks are missing."""
PENDING_CALLS_PREFIX = "attraqtpending:"
"""Worker mode: page calls the worker had not yet taken when the page went, replayed by the
next page's ``xo.js`` (one key per page: this prefix, a time and a random part)."""
OUTBOX_LOCK = "attraqt-outbox"
"""The Web Lock a tab holds while it flushes the shared outbox."""
