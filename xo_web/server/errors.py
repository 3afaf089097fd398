"""The server half's own error: an activity that could not be recorded in the outbox.

`OutboxError` means the outbox did not keep what `send` was given (the database refused the
write, the disk is full, a lock was not granted in time): the caller knows the event is lost
unless it acts. Bad input is a `xo_web.errors.ValidationError`, as in the browser.
"""

from xo_web.errors import XoError


class OutboxError(XoError, OSError):
    """The outbox could not record (or read) activities; nothing of this call was kept."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


__all__ = ["OutboxError"]
