"""Group commit: sends that wait at the same time share one transaction, and each still learns
whether its own rows were kept."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from xo_web.server.dsn import SqliteTarget
from xo_web.server.errors import OutboxError
from xo_web.server.group import GroupCommit, Row
from xo_web.server.sqlite_store import SqliteStore

SENDS = 8
WAIT_S = 10.0  # a bound on every wait below, never reached when the code is right


def _row(n: int) -> Row:
    return ("http://127.0.0.1:1/a", f'{{"n":{n}}}', 7, 100.0, 100.0)


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


class HeldWrite:
    """A write that holds the first round until every send has queued, then records rounds."""

    def __init__(self, group: GroupCommit | None = None, fail: bool = False) -> None:
        self.group = group
        self.fail = fail
        self.rounds: list[list[Row]] = []

    def __call__(self, rows: Sequence[Row]) -> None:
        if not self.rounds and self.group is not None:
            group = self.group
            _wait_for(lambda: group.submitted == SENDS, "every send to queue")
        self.rounds.append(list(rows))
        if self.fail:
            raise OutboxError("the outbox failed: database or disk is full")


def _send_all(group: GroupCommit) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = [None] * SENDS

    def send(n: int) -> None:
        try:
            group.submit([_row(n)])
        except BaseException as error:  # the outcome is what the test checks
            outcomes[n] = error

    threads = [threading.Thread(target=send, args=(n,)) for n in range(SENDS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    return outcomes


def test_sends_waiting_behind_a_commit_share_the_next_one() -> None:
    """Eight concurrent sends take two transactions: the first, then all the others at once."""
    write = HeldWrite()
    group = GroupCommit(write)
    write.group = group
    assert _send_all(group) == [None] * SENDS
    assert len(write.rounds) == 2
    assert sorted(row[1] for rows in write.rounds for row in rows) == sorted(
        _row(n)[1] for n in range(SENDS)
    )


def test_every_caller_of_a_failed_group_gets_an_error_of_its_own() -> None:
    """When a group's transaction fails, each of its sends raises its own OutboxError."""
    write = HeldWrite(fail=True)
    group = GroupCommit(write)
    write.group = group
    outcomes = _send_all(group)
    assert all(isinstance(error, OutboxError) for error in outcomes)
    assert len({id(error) for error in outcomes}) == SENDS
    assert all("disk is full" in str(error) for error in outcomes)


def test_a_send_after_a_failed_group_is_written() -> None:
    """A failure ends with its group: the next send commits normally."""
    write = HeldWrite(fail=True)
    group = GroupCommit(write)
    with pytest.raises(OutboxError):
        group.submit([_row(1)])
    write.fail = False
    group.submit([_row(2)])
    assert [rows[0][1] for rows in write.rounds] == ['{"n":1}', '{"n":2}']


def test_concurrent_inserts_into_sqlite_take_fewer_statements(tmp_path: Path) -> None:
    """On a real SQLite store, sends queued behind a commit are inserted together."""
    store = SqliteStore(SqliteTarget(tmp_path / "o.db"))
    store.ensure_schema()
    entered: list[int] = []
    inserts: list[str] = []

    def trace(sql: str) -> None:
        if sql.startswith("INSERT INTO xo_outbox"):
            if not inserts:  # hold the first insert until every send has called insert
                _wait_for(lambda: len(entered) == SENDS, "every send to start")
            inserts.append(sql)

    with store.transaction(write=False):
        pass
    store._connection.set_trace_callback(trace)
    insert = store.insert

    def send(n: int) -> None:
        entered.append(n)
        insert("http://127.0.0.1:1/a", [f'{{"n":{n}}}'], 100.0)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(SENDS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    assert store.status(100.0).pending == SENDS
    assert len(inserts) <= SENDS // 2
    store.close()


class GatedWrite:
    """A write whose rounds each wait for a gate of their own: round N for `gates[N]`."""

    def __init__(self, rounds: int) -> None:
        self.gates = [threading.Event() for _ in range(rounds)]
        self.rounds: list[list[Row]] = []

    def __call__(self, rows: Sequence[Row]) -> None:
        self.rounds.append(list(rows))
        assert self.gates[len(self.rounds) - 1].wait(WAIT_S), "the test never opened the gate"


def test_a_send_written_by_a_round_returns_without_waiting_for_the_next_one() -> None:
    """Once the round holding its rows commits, a send returns at once, even when the round's
    leader sends again at once and leads the next round (behind a plain leader lock, the other
    send of the round waited for that round's fsync too, which halved the groups)."""
    write = GatedWrite(rounds=5)
    group = GroupCommit(write)
    done = {name: threading.Event() for name in ("x", "a1", "a2", "b1", "b2")}

    def sender(name: str, first: int) -> None:
        def run() -> None:
            for n, step in enumerate((f"{name}1", f"{name}2") if name != "x" else ("x",)):
                group.submit([_row(first + n)])
                done[step].set()

        threading.Thread(target=run, daemon=True).start()

    sender("x", 0)
    _wait_for(lambda: len(write.rounds) == 1, "x to lead round 1")
    sender("a", 10)
    sender("b", 20)
    _wait_for(lambda: group.submitted == 3, "a and b to queue behind round 1")
    write.gates[0].set()
    _wait_for(lambda: len(write.rounds) == 2, "a or b to lead round 2 with both rows")
    assert sorted(row[1] for row in write.rounds[1]) == ['{"n":10}', '{"n":20}']
    write.gates[1].set()  # its leader sends again at once and leads round 3, which stays shut
    _wait_for(lambda: len(write.rounds) == 3, "the next round to start")
    assert done["a1"].wait(WAIT_S)
    assert done["b1"].wait(WAIT_S)
    for gate in write.gates[2:]:
        gate.set()
    assert done["a2"].wait(WAIT_S)
    assert done["b2"].wait(WAIT_S)
