"""One visitor in both halves: the browser's session id, read from a request's cookie.

With ``init(..., session_cookie=True)`` the browser SDK mirrors ``attraqtsessionid`` into a
first-party cookie of that name (xo_web.core.cookie). `session_id_from` reads it from a
Starlette/FastAPI, Django or Flask request (duck-typed: ``request.cookies`` or
``request.COOKIES``), a WSGI environ or an ASGI scope, and checks it as the browser checks a
stored value: a well-formed id, or None. `user_from` builds the user a server-side send needs.
"""

from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie

from xo_web.core.cookie import SESSION_COOKIE
from xo_web.core.defaults import new_uuid
from xo_web.wire import SESSION_IDENTITY, is_session_id

__all__ = ["cookie_value", "session_id_from", "user_from"]


def cookie_value(request: object, name: str) -> str | None:
    """Return the cookie ``name`` of ``request`` as sent, or None (nothing is validated)."""
    for attribute in ("COOKIES", "cookies"):  # Django; Starlette, FastAPI, Flask (Werkzeug)
        jar = getattr(request, attribute, None)
        if isinstance(jar, Mapping):
            value = jar.get(name)
            return value if isinstance(value, str) else None
    if isinstance(request, Mapping):
        return _from_header(_cookie_header(request), name)
    return None


def _cookie_header(scope_or_environ: Mapping[object, object]) -> str:
    """The Cookie header of a WSGI environ (``HTTP_COOKIE``) or an ASGI scope (``headers``)."""
    header = scope_or_environ.get("HTTP_COOKIE")
    if isinstance(header, str):
        return header
    headers = scope_or_environ.get("headers")
    if isinstance(headers, list | tuple):
        for pair in headers:
            if isinstance(pair, list | tuple) and len(pair) == 2 and pair[0] == b"cookie":
                value = pair[1]
                return value.decode("latin-1") if isinstance(value, bytes) else ""
    return ""


def _from_header(header: str, name: str) -> str | None:
    try:
        parsed = SimpleCookie(header)
    except CookieError:
        return None
    morsel = parsed.get(name)
    return morsel.value if morsel is not None else None


def session_id_from(request: object) -> str | None:
    """Return the visitor's session id from the ``attraqtsessionid`` cookie, if well-formed."""
    value = cookie_value(request, SESSION_COOKIE)
    return value if value is not None and is_session_id(value) else None


def user_from(request: object, **identities: str) -> dict[str, object]:
    """Return ``{"identities": {"sessionid": …, **identities}}`` for a server-side send.

    The session id is the cookie's; a request without a valid one (a phone order, a visitor
    without the cookie) gets a fresh id, so the activity is still sent and joins the visitor
    through the other identities (``ecommerceid=…``), as XO joins any two sessions.
    """
    session_id = session_id_from(request) or new_uuid()
    return {"identities": {SESSION_IDENTITY: session_id, **identities}}
