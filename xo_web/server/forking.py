"""What happens to the outbox's database connections around `fork`.

SQLite keeps per-process bookkeeping of the file locks its connections hold; a child inherits
it, so a lock a parent's connection held at the fork (a sender thread mid-transaction) looks
held forever in the child ("database is locked"), and the child's own connections would trust
locks that, in fact, only the parent holds. So before a fork every store's lock is taken (no
transaction is in flight) and SQLite stores close their connection: the child starts clean,
and the parent reopens on its next use. PostgreSQL connections stay open in the parent; the
child abandons its copies, never closing them (that would end the parent's session).
Imports are a fork's other hazard: see `client.py`, `sender.py`.
"""

import contextlib
import os
import threading
import weakref
from typing import Protocol

FORK_WAIT_S = 15.0  # at most this long for a store's transaction to end before a fork
# Connections inherited across a fork, kept referenced so they are never closed in the child.
INHERITED: list[object] = []


class Forkable(Protocol):
    """A store as seen from here: its lock, its connection, what to do in a child."""

    close_before_fork: bool

    def lock_for_fork(self) -> threading.Lock: ...

    def drop_connection(self) -> object: ...

    def forget_after_fork(self) -> None: ...

    def owned_here(self) -> bool: ...


_STORES: "weakref.WeakSet[Forkable]" = weakref.WeakSet()
_HELD: list[threading.Lock] = []


def register(store: Forkable) -> None:
    """Have `store` made safe around every fork of this process."""
    _STORES.add(store)


def _before_fork() -> None:
    for store in list(_STORES):
        if not store.owned_here():
            continue
        lock = store.lock_for_fork()
        if not lock.acquire(timeout=FORK_WAIT_S):
            continue  # a transaction that does not end: the child will abandon that store
        _HELD.append(lock)
        if store.close_before_fork:
            connection = store.drop_connection()
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()  # type: ignore[attr-defined]


def _after_fork_in_parent() -> None:
    while _HELD:
        _HELD.pop().release()


def _after_fork_in_child() -> None:
    _HELD.clear()
    for store in list(_STORES):
        store.forget_after_fork()


os.register_at_fork(
    before=_before_fork,
    after_in_parent=_after_fork_in_parent,
    after_in_child=_after_fork_in_child,
)

__all__ = ["FORK_WAIT_S", "INHERITED", "Forkable", "register"]
