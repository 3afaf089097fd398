"""The session cookie: `attraqtsessionid` mirrored into a first-party cookie, opt-in.

A backend that sends activities itself (``xo_web.server``) needs the browser's session id to
join them to the same visitor. With ``init(..., session_cookie=True)`` every write and removal
of the session id in storage is mirrored into a cookie of the same name (``SameSite=Lax``,
``Path=/``, ``Secure`` on https). Because the mirror sits on the Storage port, the cookie
follows the consent rules the rest of the core already keeps: nothing is written while the
session id may not be stored, and whatever removes it (opt-out, withdrawal, ``clear_user``)
removes the cookie too. Only adapters touch ``document.cookie``, through the `Cookies` port.
"""

from collections.abc import Callable
from typing import Protocol

from xo_web.core.keys import SESSION_STORAGE_KEY
from xo_web.core.ports import Storage
from xo_web.errors import ConfigError

__all__ = [
    "COOKIE_MAX_AGE_S",
    "SESSION_COOKIE",
    "Cookies",
    "SessionCookieMirror",
    "cookie_string",
    "set_session_cookie",
]

SESSION_COOKIE = SESSION_STORAGE_KEY
"""The cookie's name: the storage key's, so both halves speak of one thing."""
COOKIE_MAX_AGE_S = 400 * 24 * 3600
"""As long as browsers keep a cookie (Chromium caps at 400 days): it lives as localStorage does;
each page's init writes it again."""


class Cookies(Protocol):
    """The page's first-party cookies (``document.cookie``); calls may raise."""

    def set(self, name: str, value: str) -> object:
        """Write the cookie ``name`` (the page adds ``Secure`` on https)."""
        ...

    def delete(self, name: str) -> object:
        """Remove the cookie ``name``."""
        ...


def cookie_string(name: str, value: str, *, secure: bool, max_age: int = COOKIE_MAX_AGE_S) -> str:
    """Return the ``document.cookie`` assignment for one first-party cookie (0: delete it)."""
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax", f"Max-Age={max_age}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


class SessionCookieMirror:
    """A Storage that mirrors every set/remove of the session id into `Cookies`, when enabled.

    Storage comes first; the cookie follows whatever storage did (a failed storage write
    still keeps the session id in memory for the page, so the cookie carries it too). A cookie
    that cannot be written (a sandboxed frame) is ignored: the cookie is a convenience for the
    backend, never a reason for the SDK to fail.
    """

    def __init__(self, storage: Storage, cookies: Cookies) -> None:
        self._storage = storage
        self._cookies = cookies
        self.enabled = False
        # What GuardedStorage holds writes with (localStorage's end of task), passed through.
        self.at_task_end: Callable[[Callable[[], None]], object] | None = getattr(
            storage, "at_task_end", None
        )

    def get(self, key: str) -> str | None:
        """Return the value stored under ``key``, or None."""
        return self._storage.get(key)

    def set(self, key: str, value: str) -> object:
        """Store ``value``; mirror it into the cookie when ``key`` is the session id."""
        try:
            return self._storage.set(key, value)
        finally:
            if self.enabled and key == SESSION_STORAGE_KEY:
                self._mirror(lambda: self._cookies.set(SESSION_COOKIE, value))

    def remove(self, key: str) -> object:
        """Delete ``key``; delete the cookie too when ``key`` is the session id."""
        try:
            return self._storage.remove(key)
        finally:
            if self.enabled and key == SESSION_STORAGE_KEY:
                self._mirror(lambda: self._cookies.delete(SESSION_COOKIE))

    def list_keys(self) -> list[str]:
        """Return the stored keys."""
        return self._storage.list_keys()

    def switch(self, on: bool) -> None:
        """Turn mirroring on or off; turning it off removes the cookie it wrote."""
        if self.enabled and not on:
            self._mirror(lambda: self._cookies.delete(SESSION_COOKIE))
        self.enabled = on

    @staticmethod
    def _mirror(write: Callable[[], object]) -> None:
        try:
            write()
        except Exception:
            return  # no cookies here (sandboxed frame, blocked): storage already has the id


def set_session_cookie(
    storage: Storage, session_cookie: object, warn: Callable[[str], None]
) -> None:
    """Apply init's ``session_cookie`` option to the tracker's storage (a `SessionCookieMirror`
    where the page has cookies); ConfigError unless it is True or False."""
    if not isinstance(session_cookie, bool):
        raise ConfigError("session_cookie must be True or False")
    if isinstance(storage, SessionCookieMirror):
        storage.switch(session_cookie)
    elif session_cookie:
        warn("xo_web: session_cookie needs a page with cookies; no cookie is written here")
