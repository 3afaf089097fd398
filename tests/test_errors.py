"""Tests of the exception tree in xo_web.errors."""

import copy
import pickle

import pytest

from xo_web.errors import (
    ACTIVITY_FORMAT_MESSAGE,
    USER_FORMAT_MESSAGE,
    ConfigError,
    DeliveryError,
    NotInitializedError,
    PersonalDataError,
    TransportError,
    ValidationError,
    XoError,
)


@pytest.mark.parametrize(
    ("error", "bases"),
    [
        (ConfigError, (XoError, ValueError)),
        (NotInitializedError, (XoError, RuntimeError)),
        (ValidationError, (XoError, ValueError, TypeError)),
        (PersonalDataError, (ValidationError, ValueError, TypeError)),
        (TransportError, (XoError, OSError)),
        (DeliveryError, (XoError,)),
    ],
)
def test_exception_tree(error: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    """Each error derives from XoError and the built-in exceptions page code expects."""
    assert all(issubclass(error, base) for base in bases)


def test_delivery_error_is_not_a_value_error() -> None:
    """DeliveryError describes delivery, not input, so it is no ValueError."""
    assert not issubclass(DeliveryError, ValueError)


def test_validation_error_message_names_field() -> None:
    """str() is the prefix, the dotted field and the reason."""
    error = ValidationError("target.product", "must be a string, not an integer")
    assert str(error) == (
        f"{ACTIVITY_FORMAT_MESSAGE} target.product: must be a string, not an integer"
    )


def test_validation_error_keeps_field_and_reason() -> None:
    """The field and the reason are attributes."""
    error = ValidationError("user.identities", "is required")
    assert (error.field, error.reason) == ("user.identities", "is required")


def test_validation_error_without_field() -> None:
    """With an empty field the message is the prefix and the reason."""
    assert str(ValidationError("", "the list is empty")) == (
        f"{ACTIVITY_FORMAT_MESSAGE} the list is empty"
    )


def test_validation_error_custom_prefix() -> None:
    """The user setters use the user prefix."""
    error = ValidationError("user.traits.a", "bad", prefix=USER_FORMAT_MESSAGE)
    assert str(error).startswith(USER_FORMAT_MESSAGE)


def test_activity_message_matches_js_sdk() -> None:
    """The activity prefix is the JS SDK's wording."""
    assert ACTIVITY_FORMAT_MESSAGE == "The provided activity does not match the required format."


def test_validation_error_survives_pickle() -> None:
    """Pickling keeps the class, field, reason and prefix."""
    error = PersonalDataError("user.traits.email", "looks like mail", prefix=USER_FORMAT_MESSAGE)
    clone = pickle.loads(pickle.dumps(error))
    assert (type(clone), clone.field, clone.reason, str(clone)) == (
        PersonalDataError,
        error.field,
        error.reason,
        str(error),
    )


def test_validation_error_survives_copy() -> None:
    """copy.copy keeps the message."""
    error = ValidationError("action", "must not be empty")
    assert str(copy.copy(error)) == str(error)


def test_transport_error_timeout_defaults_to_false() -> None:
    """A TransportError is a plain network failure unless timeout=True."""
    assert TransportError("offline").timeout is False


def test_transport_error_timeout_flag() -> None:
    """timeout=True marks a timeout."""
    assert TransportError("slow", timeout=True).timeout is True


def test_transport_error_message() -> None:
    """str() is the message."""
    assert str(TransportError("connection refused")) == "connection refused"


def test_delivery_error_attributes() -> None:
    """DeliveryError carries the status and whether a retry may help."""
    error = DeliveryError("HTTP 503", status=503, retryable=True)
    assert (str(error), error.status, error.retryable) == ("HTTP 503", 503, True)


def test_transport_error_survives_pickle() -> None:
    """Pickling keeps the timeout flag."""
    clone = pickle.loads(pickle.dumps(TransportError("slow", timeout=True)))
    assert (str(clone), clone.timeout) == ("slow", True)


def test_delivery_error_survives_pickle() -> None:
    """Pickling keeps the status and retryable flag."""
    clone = pickle.loads(pickle.dumps(DeliveryError("HTTP 503", status=503, retryable=True)))
    assert (str(clone), clone.status, clone.retryable) == ("HTTP 503", 503, True)
