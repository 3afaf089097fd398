"""session_id_from / user_from: the browser's session cookie read from framework requests."""

from types import SimpleNamespace
from typing import Any

import pytest

from xo_web.server import session_id_from, user_from
from xo_web.wire import is_session_id

SESSION = "0a1b2c3d-0000-4000-8000-00000000abcd"
COOKIE = f"other=1; attraqtsessionid={SESSION}; theme=dark"


def starlette_request(cookie: str) -> Any:
    from starlette.requests import Request

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"cookie", cookie.encode())],
    }
    return Request(scope)


def test_starlette_and_fastapi_requests_give_the_session_id() -> None:
    """A Starlette (FastAPI) request's cookie gives the session id."""
    assert session_id_from(starlette_request(COOKIE)) == SESSION


def test_flask_requests_give_the_session_id() -> None:
    """A Flask (Werkzeug) request's cookie gives the session id."""
    from flask import Flask, request

    with Flask(__name__).test_request_context(headers={"Cookie": COOKIE}):
        assert session_id_from(request) == SESSION


def test_django_style_requests_give_the_session_id() -> None:
    """An object with Django's ``COOKIES`` mapping gives the session id."""
    assert session_id_from(SimpleNamespace(COOKIES={"attraqtsessionid": SESSION})) == SESSION


def test_a_wsgi_environ_and_an_asgi_scope_give_the_session_id() -> None:
    """Without a framework: the Cookie header of a WSGI environ or an ASGI scope."""
    assert session_id_from({"HTTP_COOKIE": COOKIE}) == SESSION
    assert session_id_from({"headers": [(b"cookie", COOKIE.encode())]}) == SESSION


@pytest.mark.parametrize(
    "value", ["", "-starts-with-dash", "has space", "x" * 129, "<script>", "a;b"]
)
def test_a_malformed_cookie_is_no_session_id(value: str) -> None:
    """A value the browser would not keep as a session id gives None, never the value."""
    assert session_id_from(SimpleNamespace(COOKIES={"attraqtsessionid": value})) is None


def test_no_cookie_is_no_session_id() -> None:
    """A request without the cookie, or without cookies at all, gives None."""
    assert session_id_from(starlette_request("other=1")) is None
    assert session_id_from(object()) is None


def test_user_from_puts_the_session_id_first_with_other_identities() -> None:
    """user_from builds the user a server send needs: the cookie's id, then other identities."""
    user = user_from(starlette_request(COOKIE), ecommerceid="cust-42")
    assert user == {"identities": {"sessionid": SESSION, "ecommerceid": "cust-42"}}


def test_user_from_without_a_cookie_makes_a_fresh_session_id() -> None:
    """Without a valid cookie (a phone order) the user still gets a well-formed session id."""
    user = user_from(object(), ecommerceid="cust-42")
    identities = user["identities"]
    assert isinstance(identities, dict)
    assert is_session_id(identities["sessionid"])
    assert identities["ecommerceid"] == "cust-42"
