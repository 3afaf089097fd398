"""Storage the core can trust: an in-memory store, and a guard that makes any store safe.

`GuardedStorage` wraps the browser's localStorage (or any `Storage`) so that the core never
sees it fail: after a failure it works from memory and says so once. Over a storage that can
run a callback when the current task ends (`at_task_end`, localStorage's adapter: a
microtask), the writes of delivery-queue keys are held until then: several sends in one task
rewrite their open entry once, and the write still lands before the task ends.
`MemoryStorage` is the store of last resort (no localStorage at all: a worker, CPython) and
the tests' fake.
"""

from collections.abc import Callable, Mapping

from xo_web.core.keys import OUTBOX_ENTRY_PREFIX
from xo_web.core.ports import Storage

HELD_PREFIX = OUTBOX_ENTRY_PREFIX
"""Keys whose writes may wait for the end of the task (never the session id or opt-out)."""


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

    When `storage` has `at_task_end(callback)`, a write of a `HELD_PREFIX` key is held in
    memory (read back by `get` and `list_keys`) and written when the task ends, the last value
    of each key once; a failure then is handled as any failed write (pinned, warned).
    """

    def __init__(self, storage: Storage, warn: Callable[[str], None]) -> None:
        self._storage = storage
        self.inner = storage  # the Storage it guards (init switches a SessionCookieMirror's)
        self._warn = warn
        self._warned = False
        self._pinned: dict[str, str | None] = {}
        self._held: dict[str, str] = {}  # writes waiting for the end of the task
        self._at_task_end: Callable[[Callable[[], None]], object] | None = getattr(
            storage, "at_task_end", None
        )
        self.writes = 0  # writes that reached storage (setItem), for tests and benchmarks
        self.last_read_failed = False  # True when the latest get() could not read storage

    def write_held(self) -> None:
        """Write what waits for the end of the task now (the task ends, or a read needs it)."""
        held, self._held = self._held, {}
        for key, value in held.items():
            self._set_now(key, value)

    def get(self, key: str) -> str | None:
        """Return the stored value, the pinned one, or None when storage fails."""
        self.last_read_failed = False
        if key in self._held:
            return self._held[key]
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
        """Store `value` (kept in memory when storage fails); return True if storage took it
        (a held write: True, its failure at the end of the task is handled as any other)."""
        if self._at_task_end is not None and key.startswith(HELD_PREFIX):
            if not self._held:
                try:
                    self._at_task_end(self.write_held)
                except Exception as exc:  # no way to wait: write through
                    self._failed(exc)
                    return self._set_now(key, value)
            self._held[key] = value
            return True
        return self._set_now(key, value)

    def _set_now(self, key: str, value: str) -> bool:
        self.writes += 1
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
        self._held.pop(key, None)
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
        pinned += list(self._held)
        gone = {key for key, value in self._pinned.items() if value is None}
        return list(dict.fromkeys([k for k in found if k not in gone] + pinned))

    def _failed(self, exc: Exception) -> None:
        if self._warned:
            return
        self._warned = True
        self._warn(
            "xo_web: browser storage is unavailable "
            f"({type(exc).__name__}: {exc}); the session id, consent choices and delivery "
            "queue are kept in memory for this page only."
        )
