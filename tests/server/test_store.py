"""The outbox's statements on both databases: claims, leases, batches, dead letters, retention."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xo_web.server.dsn import parse_outbox
from xo_web.server.store import SqlStore
from xo_web.server.tracker import make_store

A = "http://127.0.0.1:1/a"
B = "http://127.0.0.1:1/b"


@pytest.fixture
def store(outbox: str) -> Iterator[SqlStore]:
    """A store with its tables, on SQLite and on PostgreSQL."""
    made = make_store(parse_outbox(outbox))
    made.ensure_schema()
    yield made
    made.close()


def _claim(store: SqlStore, owner: str, now: float, **bounds: int) -> list[str]:
    claim = store.claim(
        owner,
        now,
        lease_s=10,
        limit=bounds.get("limit", 100),
        max_bytes=bounds.get("max_bytes", 10**6),
    )
    return [] if claim is None else claim.bodies


def test_a_claim_leases_rows_so_no_other_sender_takes_them(store: SqlStore) -> None:
    """While a lease holds, a second claimer finds nothing."""
    store.insert(A, ['{"n":1}', '{"n":2}'], now=100)
    assert _claim(store, "one", now=100) == ['{"n":1}', '{"n":2}']
    assert _claim(store, "two", now=105) == []


def test_an_expired_lease_is_taken_over(store: SqlStore) -> None:
    """A sender that died mid-batch loses its lease: another claims the rows when it ends."""
    store.insert(A, ['{"n":1}'], now=100)
    first = store.claim("dead", 100, lease_s=10, limit=10, max_bytes=10**6)
    second = store.claim("alive", 111, lease_s=10, limit=10, max_bytes=10**6)
    assert first is not None
    assert second is not None
    assert second.ids == first.ids
    assert second.attempts == 2


def test_a_late_owner_cannot_reschedule_rows_taken_over(store: SqlStore) -> None:
    """The old owner's retry does not touch rows another sender now holds."""
    store.insert(A, ['{"n":1}'], now=100)
    first = store.claim("old", 100, lease_s=10, limit=10, max_bytes=10**6)
    assert first is not None
    assert store.claim("new", 111, lease_s=10, limit=10, max_bytes=10**6) is not None
    store.reschedule(first.ids, "old", due_at=112, error="late")
    assert _claim(store, "third", now=115) == []  # still under the new owner's lease


def test_a_batch_is_bounded_in_count_and_bytes(store: SqlStore) -> None:
    """A claim takes at most `limit` rows and stops before `max_bytes` (one row at least)."""
    store.insert(A, ['{"n":1}', '{"n":2}', '{"n":3}'], now=100)
    assert len(_claim(store, "o", now=100, limit=2)) == 2
    store.insert(A, ["x" * 50, "y" * 50], now=100)
    assert _claim(store, "p", now=100, max_bytes=60) == ['{"n":3}', "x" * 50]


def test_a_batch_holds_one_endpoint(store: SqlStore) -> None:
    """Rows for two tracker keys never share a request."""
    store.insert(A, ["1"], now=100)
    store.insert(B, ["2"], now=100)
    store.insert(A, ["3"], now=100)
    assert _claim(store, "o", now=100) == ["1"]
    assert _claim(store, "o", now=100) == ["2"]
    assert _claim(store, "o", now=100) == ["3"]


def test_solo_rows_go_one_per_batch(store: SqlStore) -> None:
    """After a split, each row of the refused batch is claimed alone."""
    store.insert(A, ["1", "2"], now=100)
    claim = store.claim("o", 100, lease_s=10, limit=10, max_bytes=10**6)
    assert claim is not None
    store.reschedule(claim.ids, "o", due_at=100, error="400", solo=True)
    assert _claim(store, "o", now=100) == ["1"]
    assert _claim(store, "o", now=100) == ["2"]


def test_buried_rows_keep_status_and_reason_and_can_be_retried(store: SqlStore) -> None:
    """A dead letter holds the status and the reason; retry_dead puts it back, due now."""
    store.insert(A, ["1"], now=100)
    claim = store.claim("o", 100, lease_s=10, limit=10, max_bytes=10**6)
    assert claim is not None
    store.bury(claim.ids, 101, 403, "forbidden key")
    assert store.status(101).dead == 1
    [(_, status, reason, body)] = store.dead_letters()
    assert (status, reason, body) == (403, "forbidden key", "1")
    assert store.retry_dead(102) == 1
    assert _claim(store, "o", now=102) == ["1"]


def test_old_undelivered_rows_expire_into_the_dead_letters(store: SqlStore) -> None:
    """Retention is bounded: a row older than max_age is moved to the dead letters."""
    store.insert(A, ["old"], now=100)
    store.insert(A, ["new"], now=1000)
    assert store.expire(now=1001, max_age_s=500) == 1
    [(_, status, reason, body)] = store.dead_letters()
    assert (status, body) == (0, "old")
    assert "expired" in reason
    assert store.status(1001).pending == 1


def test_a_retried_expired_letter_gets_a_new_retention_period(store: SqlStore) -> None:
    """An expired activity put back by retry_dead is not expired again at the next sweep."""
    store.insert(A, ["old"], now=100)
    assert store.expire(now=1000, max_age_s=500) == 1
    assert store.retry_dead(now=2000) == 1
    assert store.expire(now=2001, max_age_s=500) == 0
    assert _claim(store, "o", now=2001) == ["old"]


def test_old_dead_letters_are_purged(store: SqlStore) -> None:
    """Dead letters that died before the retention limit are deleted."""
    store.insert(A, ["1", "2"], now=100)
    claim = store.claim("o", 100, lease_s=10, limit=1, max_bytes=10**6)
    assert claim is not None
    store.bury(claim.ids, 100, 400, "bad")
    claim = store.claim("o", 200, lease_s=10, limit=1, max_bytes=10**6)
    assert claim is not None
    store.bury(claim.ids, 200, 400, "bad")
    assert store.purge_dead(older_than=150) == 1
    assert store.status(300).dead == 1


def test_status_counts_pending_due_and_leased(store: SqlStore) -> None:
    """status() tells pending, due now, leased and the oldest's age."""
    store.insert(A, ["1", "2", "3"], now=100)
    store.claim("o", 100, lease_s=10, limit=1, max_bytes=10**6)
    status = store.status(104)
    assert (status.pending, status.due, status.leased, status.dead) == (3, 2, 1, 0)
    assert status.oldest_age_s == pytest.approx(4)
