"""The session cookie: the stored session id mirrored into a first-party cookie, opt-in."""

import pytest

from xo_web.core.cookie import SESSION_COOKIE, SessionCookieMirror, cookie_string
from xo_web.core.keys import SESSION_STORAGE_KEY
from xo_web.errors import ConfigError
from xo_web.testing import (
    BrokenStorage,
    MemoryCookies,
    MemoryStorage,
    MockTransport,
    QuietEnvironment,
    SequentialIds,
)
from xo_web.tracker import Tracker


def tracker_with(
    cookies: MemoryCookies, storage: MemoryStorage | None = None, **env: bool
) -> tuple[Tracker, MemoryStorage]:
    storage = storage if storage is not None else MemoryStorage()
    mirror = SessionCookieMirror(storage, cookies)
    tracker = Tracker(
        mirror, MockTransport(), environment=QuietEnvironment(**env), new_id=SequentialIds()
    )
    return tracker, storage


def test_init_with_the_option_writes_the_session_id_cookie() -> None:
    """init(session_cookie=True) writes the stored session id into the cookie."""
    cookies = MemoryCookies()
    tracker, storage = tracker_with(cookies)
    tracker.init("key", session_cookie=True)
    assert cookies.jar == {SESSION_COOKIE: storage.data[SESSION_STORAGE_KEY]}
    assert cookies.jar[SESSION_COOKIE] == tracker.session_id


def test_without_the_option_no_cookie_is_written() -> None:
    """The cookie is opt-in: a plain init writes none."""
    cookies = MemoryCookies()
    tracker, _ = tracker_with(cookies)
    tracker.init("key")
    tracker.clear_user()
    assert cookies.writes == 0


def test_clear_user_puts_the_new_session_id_in_the_cookie() -> None:
    """clear_user() starts a new session id, and the cookie follows it."""
    cookies = MemoryCookies()
    tracker, _ = tracker_with(cookies)
    tracker.init("key", session_cookie=True)
    before = tracker.session_id
    tracker.clear_user()
    assert tracker.session_id != before
    assert cookies.jar == {SESSION_COOKIE: tracker.session_id}


def test_opt_out_removes_the_cookie_and_opt_in_brings_it_back() -> None:
    """opt_out() removes the cookie with the stored session id; opt_in() writes it again."""
    cookies = MemoryCookies()
    tracker, _ = tracker_with(cookies)
    tracker.init("key", session_cookie=True)
    tracker.opt_out()
    assert cookies.jar == {}
    tracker.opt_in()
    assert cookies.jar == {SESSION_COOKIE: tracker.session_id}


def test_an_opted_out_visitor_gets_no_cookie_at_init() -> None:
    """A visitor who opted out on an earlier page gets no cookie from init."""
    cookies = MemoryCookies()
    storage = MemoryStorage({"attraqtoptout": "true"})
    tracker, _ = tracker_with(cookies, storage)
    tracker.init("key", session_cookie=True)
    assert cookies.jar == {}


def test_do_not_track_writes_no_cookie() -> None:
    """Where the browser refuses tracking the session id is not stored, nor the cookie."""
    cookies = MemoryCookies()
    tracker, _ = tracker_with(cookies, refused=True)
    tracker.init("key", session_cookie=True)
    assert cookies.jar == {}


def test_turning_the_option_off_removes_the_cookie() -> None:
    """A second init without the option removes the cookie the first one wrote."""
    cookies = MemoryCookies()
    tracker, _ = tracker_with(cookies)
    tracker.init("key", session_cookie=True)
    tracker.init("key")
    assert cookies.jar == {}


def test_a_bad_option_value_is_refused_before_anything_changes() -> None:
    """session_cookie must be a bool; a bad value raises ConfigError and init does nothing."""
    cookies = MemoryCookies()
    tracker, _ = tracker_with(cookies)
    with pytest.raises(ConfigError, match="session_cookie"):
        tracker.init("key", session_cookie="yes")  # type: ignore[arg-type]
    assert not tracker.is_initialized
    assert cookies.writes == 0


def test_the_cookie_carries_the_id_when_storage_fails() -> None:
    """Blocked storage keeps the session id in memory; the cookie still carries it."""
    cookies = MemoryCookies()
    mirror = SessionCookieMirror(BrokenStorage(), cookies)
    tracker = Tracker(mirror, MockTransport(), environment=QuietEnvironment())
    tracker.init("key", session_cookie=True)
    assert cookies.jar == {SESSION_COOKIE: tracker.session_id}


def test_a_failing_cookie_jar_does_not_fail_storage() -> None:
    """A page without cookies (sandboxed frame) still stores the session id."""

    class NoCookies(MemoryCookies):
        def set(self, name: str, value: str) -> None:
            raise OSError("SecurityError")

    storage = MemoryStorage()
    mirror = SessionCookieMirror(storage, NoCookies())
    tracker = Tracker(mirror, MockTransport(), environment=QuietEnvironment())
    tracker.init("key", session_cookie=True)
    assert storage.data[SESSION_STORAGE_KEY] == tracker.session_id


def test_a_tracker_without_cookies_warns_about_the_option() -> None:
    """Asked for a cookie where there is no page (plain storage), init warns once."""
    environment = QuietEnvironment()
    tracker = Tracker(MemoryStorage(), MockTransport(), environment=environment)
    tracker.init("key", session_cookie=True)
    assert any("session_cookie" in w for w in environment.warnings)


def test_the_cookie_string_is_first_party_lax_and_secure_on_https() -> None:
    """The assignment names Path=/, SameSite=Lax, a max age, and Secure only when asked."""
    plain = "n=v; Path=/; SameSite=Lax; Max-Age=5"
    assert cookie_string("n", "v", secure=False, max_age=5) == plain
    assert cookie_string("n", "v", secure=True, max_age=5).endswith("; Secure")


def test_the_js_init_option_maps_to_session_cookie() -> None:
    """init({trackerKey, sessionCookie: true}) reaches Tracker.init as session_cookie=True."""
    from xo_web.facade.calls import init_arguments

    assert init_arguments([{"trackerKey": "k", "sessionCookie": True}]) == {
        "tracker_key": "k",
        "session_cookie": True,
    }
