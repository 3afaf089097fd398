"""The sender's own SQLite connection: commits not fsynced each, one writer lock per process."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from xo_web.server.client import Answer
from xo_web.server.courier import CHECKPOINT_ROWS, Courier
from xo_web.server.dsn import parse_outbox
from xo_web.server.records import Claim
from xo_web.server.settings import SenderSettings
from xo_web.server.sqlite_store import AUTOCHECKPOINT_PAGES, SqliteStore
from xo_web.server.tracker import make_store

A = "http://127.0.0.1:1/a"


def _synchronous(store: object) -> int:
    with store.transaction(write=False) as execute:  # type: ignore[attr-defined]
        return int(execute("PRAGMA synchronous", ()).fetchone()[0])


def test_a_senders_sqlite_store_commits_with_synchronous_normal(tmp_path: Path) -> None:
    """The sender's store does not fsync each commit (NORMAL = 1); sends' stores do (FULL = 2)."""
    target = parse_outbox(f"sqlite:///{tmp_path / 'o.db'}")
    sender, recorder = make_store(target, sender=True), make_store(target)
    assert (_synchronous(sender), _synchronous(recorder)) == (1, 2)


def test_stores_of_one_process_on_one_file_share_a_writer_lock(tmp_path: Path) -> None:
    """A tracker's store and its sender's store serialise their writes on one lock."""
    target = parse_outbox(f"sqlite:///{tmp_path / 'o.db'}")
    one, two = make_store(target), make_store(target, sender=True)
    assert isinstance(one, SqliteStore)
    assert isinstance(two, SqliteStore)
    assert one._writer_lock() is two._writer_lock()


def test_a_send_waits_for_the_senders_transaction_instead_of_failing(tmp_path: Path) -> None:
    """With a 1 ms busy timeout, a send that meets an open write transaction of another store
    of the same process waits for it to end rather than failing with 'database is locked'."""
    target = parse_outbox(f"sqlite:///{tmp_path / 'o.db'}?busy_timeout_ms=1")
    holder, sender = make_store(target, sender=True), make_store(target)
    holder.ensure_schema()
    outcome: list[object] = []

    def send() -> None:
        try:
            sender.insert(A, ['{"n":1}'], 100.0)
            outcome.append("kept")
        except Exception as error:  # the outcome is what the test checks
            outcome.append(error)

    thread = threading.Thread(target=send)
    with holder.transaction() as execute:
        execute("UPDATE xo_outbox SET owner = 'x'", ())
        thread.start()
        deadline = time.monotonic() + 0.3  # the send fails within ~1 ms where it cannot wait
        while not outcome and time.monotonic() < deadline:
            time.sleep(0.005)
        assert outcome == []
    thread.join(10.0)
    assert outcome == ["kept"]


def _claim(rows: int) -> Claim:
    return Claim(A, list(range(rows)), ["{}"] * rows, 1)


def test_the_sender_lingers_after_a_batch_that_was_not_full(tmp_path: Path) -> None:
    """After a partial batch the sender waits `linger_s` before claiming; after a full, none."""
    settings = SenderSettings(batch_size=10, linger_s=0.25)
    courier = Courier(make_store(parse_outbox(f"sqlite:///{tmp_path / 'o.db'}")), settings)
    assert (courier.linger(_claim(3)), courier.linger(_claim(10))) == (0.25, 0.0)


def test_a_senders_postgres_session_does_not_wait_for_the_wal_flush(pg_dsn: str) -> None:
    """The sender's PostgreSQL session has synchronous_commit off; a sending session has on."""
    import psycopg

    with psycopg.connect(pg_dsn, autocommit=True) as admin:  # the test cluster runs with off
        name = admin.execute("SELECT current_database()").fetchone()
        assert name is not None
        admin.execute(f'ALTER DATABASE "{name[0]}" SET synchronous_commit = on')
    target = parse_outbox(pg_dsn)
    settings = []
    for store in (make_store(target, sender=True), make_store(target)):
        with store.transaction(write=False) as execute:
            settings.append(execute("SHOW synchronous_commit", ()).fetchone()[0])
        store.close()
    assert settings == ["off", "on"]


def test_connections_leave_checkpoints_to_the_sender(tmp_path: Path) -> None:
    """SQLite's automatic checkpoint is only a backstop (10,000 pages) on every connection."""
    store = make_store(parse_outbox(f"sqlite:///{tmp_path / 'o.db'}"))
    with store.transaction(write=False) as execute:
        assert execute("PRAGMA wal_autocheckpoint", ()).fetchone()[0] == AUTOCHECKPOINT_PAGES
    assert AUTOCHECKPOINT_PAGES == 10_000


def test_the_courier_checkpoints_after_many_rows_and_when_idle(tmp_path: Path) -> None:
    """A checkpoint follows every CHECKPOINT_ROWS delivered rows, and going idle after some."""
    store = make_store(parse_outbox(f"sqlite:///{tmp_path / 'o.db'}"), sender=True)
    store.ensure_schema()
    checkpoints: list[int] = []
    store.checkpoint = lambda: checkpoints.append(1)  # type: ignore[method-assign]
    courier = Courier(store, SenderSettings(linger_s=0.001))
    ok = Answer(200, None, "")
    for round_ in range(CHECKPOINT_ROWS // 100):
        store.insert(A, ["{}"] * 100, time.time())
        claim = courier.claim()
        assert claim is not None
        courier.settle(claim, ok)
        assert len(checkpoints) == (1 if round_ == CHECKPOINT_ROWS // 100 - 1 else 0)
    store.insert(A, ["{}"], time.time())
    claim = courier.claim()
    assert claim is not None
    courier.settle(claim, ok)
    assert courier.claim() is None
    assert len(checkpoints) == 2


def test_a_checkpoint_does_not_wait_for_the_writer_lock(tmp_path: Path) -> None:
    """The sender's checkpoint runs outside the writer lock, so sends never queue behind it."""
    store = make_store(parse_outbox(f"sqlite:///{tmp_path / 'o.db'}"), sender=True)
    store.ensure_schema()
    assert isinstance(store, SqliteStore)
    lock = store._writer_lock()
    assert isinstance(lock, type(threading.Lock()))
    with lock:  # another send's transaction
        checkpointing = threading.Thread(target=store.checkpoint)
        checkpointing.start()
        checkpointing.join(10.0)
        assert not checkpointing.is_alive()
