"""The exception tree of xo_web.

Every exception the SDK raises into page code derives from `XoError`::

    XoError
    ├── ConfigError              (also ValueError)    bad tracker key, region, collect_url, option
    ├── NotInitializedError      (also RuntimeError)  a call that needs init() came before it
    ├── ValidationError          (also ValueError, TypeError)  bad input at a call
    │   └── PersonalDataError    a trait value that looks like an e-mail or phone number
    ├── TransportError           (also OSError)       raised by a Transport: network failure/timeout
    └── DeliveryError            a failed delivery; never raised, only passed to on_error
        └── ConsentError         an opt-out that could not be persisted; reported, never raised

`ValidationError` is both a `ValueError` and a `TypeError` because the JavaScript SDK throws a
`TypeError` for bad input, while Python code conventionally expects a `ValueError`.
`DeliveryError` is deliberately not raised: delivery happens after the call has returned, so it
is reported through the `on_error` callback and the environment (a DOM event in the browser).
"""

from typing import Any

ACTIVITY_FORMAT_MESSAGE = "The provided activity does not match the required format."
USER_FORMAT_MESSAGE = "The provided user does not match the required format."


class XoError(Exception):
    """Base class of every error raised by xo_web."""


class ConfigError(XoError, ValueError):
    """The tracker key, region, collect_url or another init() option is not acceptable."""


class NotInitializedError(XoError, RuntimeError):
    """A call that needs init() was made before init()."""


class ValidationError(XoError, ValueError, TypeError):
    """The input of a call does not match the required format; nothing was changed or sent.

    `field` is a dotted path to the offending value ("target.product", "user.identities",
    "[1].action" for the second activity of a list, "" for the input as a whole) and `reason`
    says what is wrong with it.
    """

    def __init__(self, field: str, reason: str, *, prefix: str = ACTIVITY_FORMAT_MESSAGE) -> None:
        self.field = field
        self.reason = reason
        self.prefix = prefix
        text = f"{prefix} {field}: {reason}" if field else f"{prefix} {reason}"
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments would otherwise be lost when pickling or copying.
        return (_rebuild, (type(self), self.field, {"reason": self.reason, "prefix": self.prefix}))


class PersonalDataError(ValidationError):
    """A trait value looks like personal data (an e-mail address or a phone number)."""


class TransportError(XoError, OSError):
    """The request could not be delivered: network failure, or a timeout when `timeout` is set."""

    def __init__(self, message: str, *, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), {"timeout": self.timeout}))

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DeliveryError(XoError):
    """Describes a failed delivery; passed to on_error and reported, never raised into page code.

    `status` is the HTTP status, or 0 when no response arrived (network failure, timeout);
    `retryable` says whether sending the same batch again may succeed.
    """

    def __init__(self, message: str, *, status: int, retryable: bool) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild,
            (type(self), str(self), {"status": self.status, "retryable": self.retryable}),
        )

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConsentError(DeliveryError):
    """An opt-out could not be written to storage: it holds for this page only.

    Reported like a failed delivery (on_error, the `xo:error` event with stage "consent"),
    never raised: the visitor's choice is kept in memory and nothing is sent from this page.
    """

    def __init__(self, message: str, *, status: int = 0, retryable: bool = False) -> None:
        super().__init__(message, status=status, retryable=retryable)


def _rebuild(cls: type[XoError], first: str, keywords: dict[str, Any]) -> XoError:
    """Recreate an error from its first argument and keyword arguments (for pickle/copy)."""
    return cls(first, **keywords)
