"""Storage the core can trust: an in-memory store, and a guard that makes any store safe.

`GuardedStorage` wraps the browser's localStorage (or any `Storage`) so that the core never
sees it fail: after a failure it works from memory and says so once. `MemoryStorage` is the
store of last resort (no localStorage at all: a worker, CPython) and the tests' fake.
"""

from collections.abc import Callable, Mapping

from xo_web.core.ports import Storage


class MemoryStorage:
    """A dict-backed Storage; `data` is the dict, open for tests to inspect or seed."""

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self.data: dict[str, str] = dict(data or {})

    def get(self, key: str) -> str | None:
        """Return the value stored under `key`, or None."""
        return self.data.get(key)

    def set(self, key: str, value: str) -> None:
        """Store `value` under `key`."""
        self.data[key] = value

    def remove(self, key: str) -> None:
        """Delete `key` if present."""
        self.data.pop(key, None)

    def list_keys(self) -> list[str]:
        """Return the stored keys (localStorage.key(i) for every i)."""
        return list(self.data)


class GuardedStorage:
    """Wraps a Storage so that calls never raise; after a failure, works from memory.

    A value whose write failed is pinned in memory and served from there until a later write
    of that key succeeds. `set` and `remove` return whether storage took the change, for the
    callers that must know (the opt-out). The first failure is announced once through `warn`.
    """

    def __init__(self, storage: Storage, warn: Callable[[str], None]) -> None:
        self._storage = storage
        self.inner = storage  # the Storage it guards (init switches a SessionCookieMirror's)
        self._warn = warn
        self._warned = False
        self._pinned: dict[str, str | None] = {}
        self.last_read_failed = False  # True when the latest get() could not read storage

    def get(self, key: str) -> str | None:
        """Return the stored value, the pinned one, or None when storage fails."""
        self.last_read_failed = False
        if key in self._pinned:
            return self._pinned[key]
        try:
            value = self._storage.get(key)
        except Exception as exc:
            self.last_read_failed = True
            self._failed(exc)
            return None
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str) -> bool:
        """Store `value` (kept in memory when storage fails); return True if storage took it."""
        try:
            self._storage.set(key, value)
        except Exception as exc:
            self._pinned[key] = value
            self._failed(exc)
            return False
        self._pinned.pop(key, None)
        return True

    def remove(self, key: str) -> bool:
        """Delete `key` (remembered in memory when storage fails); return True if it took."""
        try:
            self._storage.remove(key)
        except Exception as exc:
            self._pinned[key] = None
            self._failed(exc)
            return False
        self._pinned.pop(key, None)
        return True

    def list_keys(self) -> list[str]:
        """Return the stored keys merged with the pinned ones (the pinned removals left out)."""
        found: list[str] = []
        try:
            found = [key for key in self._storage.list_keys() if isinstance(key, str)]
        except Exception as exc:
            self._failed(exc)
        pinned = [key for key, value in self._pinned.items() if value is not None]
        gone = {key for key, value in self._pinned.items() if value is None}
        return list(dict.fromkeys([k for k in found if k not in gone] + pinned))

    def _failed(self, exc: Exception) -> None:
        if self._warned:
            return
        self._warned = True
        self._warn(
            "xo_web: browser storage is unavailable "
            f"({type(exc).__name__}: {exc}); the session id, opt-out and delivery queue are "
            "kept in memory for this page only."
        )
