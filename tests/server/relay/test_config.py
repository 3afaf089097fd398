"""The relay's configuration."""

from tests.server.relay.helpers import KEY, ORIGIN
from xo_web.server.relay import DEFAULT_PATH
from xo_web.server.relay.config import blocklisted_words, check_origin, make_relay_config


def test_the_default_path_has_no_blocklisted_word():
    """The default path avoids the words blocklists match in any path (collect, track, ...)."""
    assert blocklisted_words(DEFAULT_PATH) == []
    assert blocklisted_words("/api/collect") == ["collect"]


def test_the_path_is_configurable():
    """path= moves the relay; a trailing slash is dropped."""
    assert make_relay_config([KEY], [ORIGIN], path="/x9/").path == "/x9"


def test_origins_are_compared_in_their_canonical_form():
    """Default ports and letter case do not matter; a path is not an origin."""
    assert check_origin("HTTPS://Shop.Example:443") == "https://shop.example"
    assert check_origin("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
