"""Group commit: the sends of one process that wait at the same time share one transaction.

A `send` queues its rows and, while another send leads a round, waits on one condition.
When no round is running, a waiting send whose rows are not written yet leads the next: it
takes every row queued so far (its own and those of the sends that queued meanwhile) and
writes them in one transaction — one fsync on SQLite, one commit on PostgreSQL — while the
next sends queue behind it. At the end of a round every waiter wakes: those whose rows it
wrote return at once (they never wait for the next round's fsync, as they did behind a plain
leader lock, which halved the group sizes), and one of the others leads. Each send still
returns only once its own rows are committed; when a group's transaction fails, none of its
rows was kept and every send of that group raises.
"""

import threading
from collections.abc import Callable, Sequence

from xo_web.server.errors import OutboxError

Row = tuple[str, str, int, float, float]  # endpoint, body, size, created_at, due_at
Write = Callable[[Sequence[Row]], None]


class _Request:
    """One send's rows, and what became of them."""

    __slots__ = ("done", "error", "rows")

    def __init__(self, rows: Sequence[Row]) -> None:
        self.rows = rows
        self.done = False
        self.error: BaseException | None = None


class GroupCommit:
    """Coalesces concurrent `submit` calls into one `write` (one transaction) each round."""

    def __init__(self, write: Write) -> None:
        self._write = write
        self._changed = threading.Condition(threading.Lock())
        self._leading = False  # a round is being written
        self._queue: list[_Request] = []
        self.commits = 0  # transactions written (tests and benchmarks read it)
        self.submitted = 0  # sends submitted

    def submit(self, rows: Sequence[Row]) -> None:
        """Return once `rows` are committed (with those of the sends waiting meanwhile), or
        raise: the leader's own error, or an OutboxError saying that the group failed."""
        request = _Request(rows)
        with self._changed:
            self._queue.append(request)
            self.submitted += 1
            while self._leading and not request.done:
                self._changed.wait()
            if not request.done:  # nobody wrote them yet: lead a round
                self._leading = True
                group, self._queue = self._queue, []
            else:
                group = []
        if group:
            self._commit(group, request)
        if request.error is not None:
            raise request.error

    def _commit(self, group: list[_Request], leader: _Request) -> None:
        """Write the group's rows in one transaction; on failure every caller gets an error
        (the leader raises the original here; each other caller an OutboxError of its own)."""
        try:
            self._write([row for request in group for row in request.rows])
            self.commits += 1
        except BaseException as error:
            for request in group:
                if request is not leader:
                    text = str(error) if isinstance(error, OutboxError) else repr(error)
                    request.error = OutboxError(text)
                    request.error.__cause__ = error
            raise
        finally:
            with self._changed:
                for request in group:
                    request.done = True
                self._leading = False
                self._changed.notify_all()


__all__ = ["GroupCommit", "Row"]
