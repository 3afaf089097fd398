"""Tests of the Tracker's public API: init, send, consent, outcomes and error reporting."""

import asyncio
import json
from collections.abc import Awaitable
from typing import Any

import pytest

from tests.conftest import MakeTracker
from tests.kit import ENDPOINT, TRACKER_KEY, VIEW, nth_id, run_send, sent, sent_user
from xo_web.core.config import endpoint_for
from xo_web.core.keys import OPT_OUT_STORAGE_KEY, SESSION_STORAGE_KEY
from xo_web.core.ports import HttpRequest, HttpResponse
from xo_web.delivery.outcome import SendOutcome
from xo_web.errors import (
    ACTIVITY_FORMAT_MESSAGE,
    ConfigError,
    DeliveryError,
    NotInitializedError,
    PersonalDataError,
    TransportError,
    ValidationError,
)
from xo_web.testing import MemoryStorage, MockTransport, QuietEnvironment
from xo_web.tracker import Tracker
from xo_web.wire import MAX_ACTIVITY_BYTES, serialized_size
from xo_web.wire.rules import MAX_STRING_LENGTH

CLICK = {"action": "click", "target": {"product": "SKU-2"}}


def answer(status: int, body: object = None, raw: str | None = None) -> MockTransport:
    """Return a MockTransport answering every request with `status` and a JSON `body`."""
    text = raw if raw is not None else json.dumps(body)
    return MockTransport(lambda request: HttpResponse(status, {}, text))


async def wait(awaitable: Awaitable[SendOutcome | None]) -> SendOutcome | None:
    """Await an awaitable (asyncio.run only takes coroutines)."""
    return await awaitable


def tracker_over(transport: MockTransport, **kwargs: Any) -> Tracker:
    """Return an initialized tracker over `transport` and fresh storage."""
    tracker = Tracker(MemoryStorage(), transport, environment=QuietEnvironment(), **kwargs)
    tracker.init(TRACKER_KEY)
    return tracker


# -- init ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("eu", "https://collect-eu.attraqt.io/k"),
        ("ap1", "https://collect-ap1.attraqt.io/k"),
        ("ap2", "https://collect-ap2.attraqt.io/k"),
        ("dev", "http://collect-dev.attraqt.io/k"),
    ],
)
def test_region_selects_the_collector(tracker: Tracker, region: str, url: str) -> None:
    """Each region has its collector host; dev is plain http."""
    tracker.init("k", region)
    assert tracker.endpoint == url


def test_region_defaults_to_eu(tracker: Tracker) -> None:
    """Without a region the EU collector is used."""
    assert tracker.endpoint == ENDPOINT


def test_tracker_key_is_url_encoded(tracker: Tracker) -> None:
    """The key is percent-encoded into the path, slashes included."""
    tracker.init("a/b?c#d%")
    assert tracker.endpoint == "https://collect-eu.attraqt.io/a%2Fb%3Fc%23d%25"


@pytest.mark.parametrize(
    ("collect_url", "url"),
    [
        ("http://localhost:8000", "http://localhost:8000/k"),
        ("https://proxy.example.com/", "https://proxy.example.com/k"),
        ("https://shop.example.com/xo/collect/", "https://shop.example.com/xo/collect/k"),
    ],
)
def test_collect_url_replaces_scheme_and_host(tracker: Tracker, collect_url: str, url: str) -> None:
    """collect_url replaces https://collect-{region}.attraqt.io, a path prefix included."""
    tracker.init("k", collect_url=collect_url)
    assert tracker.endpoint == url


def test_init_records_key_and_region(tracker: Tracker) -> None:
    """The tracker key and region are readable after init."""
    tracker.init("k2", "ap1")
    assert (tracker.tracker_key, tracker.region, tracker.is_initialized) == ("k2", "ap1", True)


def test_properties_before_init(make_tracker: MakeTracker) -> None:
    """Before init the configuration properties are None."""
    tracker = make_tracker(init=False)
    assert (tracker.tracker_key, tracker.region, tracker.endpoint) == (None, None, None)
    assert not tracker.is_initialized


@pytest.mark.parametrize(
    "key", ["", None, 5, " key", "key ", "k\ney", "k\tey", "k" * 257, "клю", ["k"]]
)
def test_bad_tracker_key_is_refused(make_tracker: MakeTracker, key: Any) -> None:
    """A missing, non-string, blank, over-long, non-ASCII or spaced key is a ConfigError."""
    with pytest.raises(ConfigError, match="tracker_key"):
        make_tracker(init=False).init(key)


@pytest.mark.parametrize("region", ["us", "EU", "", None, 1, "eu "])
def test_bad_region_is_refused(make_tracker: MakeTracker, region: Any) -> None:
    """Only eu, ap1, ap2 and dev are regions."""
    with pytest.raises(ConfigError, match="region"):
        make_tracker(init=False).init("k", region)


@pytest.mark.parametrize(
    "collect_url",
    [
        "ftp://collect.example.com",
        "collect.example.com",
        "https://",
        "https:///path",
        "https://user:pw@collect.example.com",
        "https://collect.example.com/?a=1",
        "https://collect.example.com/#top",
        "https://collect.example.com:99999",
        "https://collect example.com",
        "javascript:alert(1)",
        "",
        5,
    ],
)
def test_bad_collect_url_is_refused(make_tracker: MakeTracker, collect_url: Any) -> None:
    """collect_url must be a plain http(s) URL with a host and no credentials or query."""
    with pytest.raises(ConfigError, match="collect_url"):
        make_tracker(init=False).init("k", collect_url=collect_url)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), True, "10", 301])
def test_bad_timeout_is_refused(make_tracker: MakeTracker, timeout: Any) -> None:
    """timeout_s is a positive finite number of seconds, at most 300."""
    with pytest.raises(ConfigError, match="timeout_s"):
        make_tracker(init=False).init("k", timeout_s=timeout)


def test_bad_personal_data_guard_is_refused(make_tracker: MakeTracker) -> None:
    """personal_data_guard must be a boolean."""
    with pytest.raises(ConfigError, match="personal_data_guard"):
        make_tracker(init=False).init("k", personal_data_guard="no")  # type: ignore[arg-type]


def test_failed_re_init_keeps_the_previous_configuration(tracker: Tracker) -> None:
    """A refused init changes nothing."""
    with pytest.raises(ConfigError):
        tracker.init("other", "mars")
    assert (tracker.tracker_key, tracker.endpoint) == (TRACKER_KEY, ENDPOINT)


def test_re_init_changes_the_endpoint_and_keeps_the_user(
    tracker: Tracker, transport: MockTransport
) -> None:
    """init may be called again; later sends go to the new endpoint with the same user."""
    tracker.add_user_segment("vip")
    tracker.init("other", "ap2")
    run_send(tracker, VIEW)
    assert transport.requests[0].url == "https://collect-ap2.attraqt.io/other"
    assert sent_user(transport.requests[0])["segments"] == ["vip"]


def test_endpoint_for_is_usable_alone() -> None:
    """endpoint_for computes the collector URL without a tracker."""
    assert endpoint_for("k", "ap1") == "https://collect-ap1.attraqt.io/k"


def test_setters_work_before_init(make_tracker: MakeTracker) -> None:
    """The user can be built before init (tag managers do not order their calls)."""
    tracker = make_tracker(init=False)
    tracker.add_user_identity("crmid", "c")
    assert tracker.user["identities"] == {"sessionid": nth_id(1), "crmid": "c"}


# -- send: the request --------------------------------------------------------------------


def test_send_before_init_is_refused(make_tracker: MakeTracker, transport: MockTransport) -> None:
    """send() needs init(); nothing is sent."""
    with pytest.raises(NotInitializedError):
        make_tracker(init=False).send(VIEW)
    assert transport.requests == []


def test_send_posts_to_the_endpoint(tracker: Tracker, transport: MockTransport) -> None:
    """The request goes to the endpoint with the JSON and SDK headers."""
    run_send(tracker, VIEW)
    request = transport.requests[0]
    assert request.url == ENDPOINT
    assert dict(request.headers) == {"Content-Type": "application/json", "X-SDK": "1"}


def test_send_uses_keepalive_and_the_timeout(tracker: Tracker, transport: MockTransport) -> None:
    """Small bodies use keepalive; the timeout comes from init."""
    tracker.init(TRACKER_KEY, timeout_s=2.5)
    run_send(tracker, VIEW)
    assert (transport.requests[0].keepalive, transport.requests[0].timeout_s) == (True, 2.5)


def test_one_activity_is_sent_as_an_array(tracker: Tracker, transport: MockTransport) -> None:
    """The body is always a JSON array, even for one activity."""
    run_send(tracker, VIEW)
    assert json.loads(transport.requests[0].body)[0]["action"] == "view"
    assert len(sent(transport.requests[0])) == 1


def test_a_list_is_sent_in_one_request_in_order(tracker: Tracker, transport: MockTransport) -> None:
    """A list of activities goes in one request, in order."""
    run_send(tracker, [VIEW, CLICK])
    assert [a["action"] for a in sent(transport.requests[0])] == ["view", "click"]
    assert len(transport.requests) == 1


def test_body_is_compact_utf8_json(tracker: Tracker, transport: MockTransport) -> None:
    """The body has no spaces and keeps non-ASCII characters as they are."""
    run_send(tracker, {"action": "view", "target": {"product": "café"}})
    assert transport.requests[0].body.startswith('[{"action":"view","target":{"product":"café"}')


def test_user_is_attached(tracker: Tracker, transport: MockTransport) -> None:
    """Each activity without a user carries the tracker's user."""
    tracker.add_user_identity("CRMId", "c-1")
    tracker.add_user_segment("vip")
    tracker.add_user_trait("age", 45)
    run_send(tracker, [VIEW, CLICK])
    expected = {
        "identities": {"sessionid": nth_id(1), "crmid": "c-1"},
        "segments": ["vip"],
        "traits": {"age": 45},
    }
    assert [a["user"] for a in sent(transport.requests[0])] == [expected, expected]


def test_user_is_snapshotted_at_the_call(tracker: Tracker, transport: MockTransport) -> None:
    """The user sent is the user at the time of send(), not when the request goes out."""
    pending = tracker.send(VIEW)
    tracker.add_user_segment("later")
    asyncio.run(wait(pending))
    assert sent_user(transport.requests[0])["segments"] == []


def test_rest_style_user_is_sent_as_given_plus_session_id(
    tracker: Tracker, transport: MockTransport
) -> None:
    """An activity with its own user keeps it; the session id is added when missing."""
    tracker.add_user_segment("ignored")
    own = {"identities": {"CRMId": "c-9"}, "traits": {"a": 1}}
    run_send(tracker, {**VIEW, "user": own})
    assert sent_user(transport.requests[0]) == {
        "identities": {"sessionid": nth_id(1), "crmid": "c-9"},
        "traits": {"a": 1},
    }


def test_rest_style_user_keeps_its_own_session_id(
    tracker: Tracker, transport: MockTransport
) -> None:
    """A caller-supplied session id is not replaced."""
    run_send(tracker, {**VIEW, "user": {"identities": {"sessionId": "theirs"}}})
    assert sent_user(transport.requests[0])["identities"] == {"sessionid": "theirs"}


def test_rest_style_user_does_not_change_the_tracker_user(tracker: Tracker) -> None:
    """Sending with an own user leaves the tracker's user alone."""
    before = tracker.user
    run_send(tracker, {**VIEW, "user": {"identities": {"sessionId": "theirs"}}})
    assert tracker.user == before


def test_rest_style_user_traits_are_guarded(tracker: Tracker, transport: MockTransport) -> None:
    """Personal data in an activity's own user traits is refused, naming the field."""
    activity = {**VIEW, "user": {"identities": {}, "traits": {"mail": "a@example.com"}}}
    with pytest.raises(PersonalDataError) as caught:
        tracker.send([VIEW, activity])
    assert caught.value.field == "[1].user.traits.mail"
    assert str(caught.value).startswith(ACTIVITY_FORMAT_MESSAGE)
    assert transport.requests == []


def test_rest_style_personal_data_allowed_when_guard_off(
    tracker: Tracker, transport: MockTransport
) -> None:
    """With the guard off, the activity's own traits go through."""
    tracker.init(TRACKER_KEY, personal_data_guard=False)
    run_send(tracker, {**VIEW, "user": {"identities": {}, "traits": {"mail": "a@example.com"}}})
    assert sent_user(transport.requests[0])["traits"] == {"mail": "a@example.com"}


def test_extra_keys_are_sent_unchanged(tracker: Tracker, transport: MockTransport) -> None:
    """Unknown top-level keys reach the collector as given."""
    run_send(tracker, {**VIEW, "experiment": {"id": "e1", "arm": 2}})
    assert sent(transport.requests[0])[0]["experiment"] == {"id": "e1", "arm": 2}


def test_large_batch_is_sent_without_keepalive(tracker: Tracker, transport: MockTransport) -> None:
    """Bodies over 64 KiB cannot use keepalive."""
    big = {"action": "view", "target": {f"k{i}": "x" * MAX_STRING_LENGTH for i in range(20)}}
    run_send(tracker, [big, big])
    assert transport.requests[0].keepalive is False


def activity_of_size(size: int) -> dict[str, Any]:
    """Return a view activity whose wire JSON is exactly `size` bytes."""
    target: dict[str, str] = {}
    activity = {"action": "view", "target": target}
    while serialized_size(activity) + MAX_STRING_LENGTH + 16 < size:
        target[f"k{len(target)}"] = "x" * MAX_STRING_LENGTH
    target["last"] = ""
    target["last"] = "x" * (size - serialized_size(activity))
    assert serialized_size(activity) == size
    return activity


def test_activity_at_the_limit_is_sent_without_a_user(
    tracker: Tracker, transport: MockTransport
) -> None:
    """An activity of exactly MAX_ACTIVITY_BYTES with its own user is accepted."""
    own_user = {"identities": {"sessionid": "s"}}
    activity = activity_of_size(MAX_ACTIVITY_BYTES - serialized_size(own_user) - len(',"user":'))
    run_send(tracker, {**activity, "user": own_user})
    assert len(transport.requests) == 1


def test_activity_too_large_with_its_user_is_refused(
    tracker: Tracker, transport: MockTransport
) -> None:
    """The size limit counts the attached user too."""
    with pytest.raises(ValidationError, match="bytes"):
        tracker.send(activity_of_size(MAX_ACTIVITY_BYTES - 50))
    assert transport.requests == []


# -- send: refusals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activities", "field"),
    [
        ([], ""),
        ("view", ""),
        (None, ""),
        ({"target": {}}, "action"),
        ({**VIEW, "target": {"product": {"id": 1}}}, "target.product"),
        ({**VIEW, "metadata": {"price": float("nan")}}, "metadata.price"),
        ({**VIEW, "sourceId": "\ud800"}, "sourceId"),
        ([VIEW, {"action": "", "target": {}}], "[1].action"),
    ],
)
def test_invalid_send_raises_at_the_call_and_sends_nothing(
    tracker: Tracker, transport: MockTransport, activities: Any, field: str
) -> None:
    """Bad activities raise ValidationError from send() itself, before any await."""
    before = tracker.user
    with pytest.raises(ValidationError) as caught:
        tracker.send(activities)
    assert caught.value.field == field
    assert transport.requests == []
    assert tracker.user == before


def test_one_bad_activity_stops_the_whole_list(tracker: Tracker, transport: MockTransport) -> None:
    """A list with one bad activity sends none of them."""
    with pytest.raises(ValidationError):
        tracker.send([VIEW, CLICK, {"action": 1, "target": {}}])
    assert transport.requests == []


def test_validation_happens_even_when_opted_out(tracker: Tracker) -> None:
    """Bad input is refused whether or not anything would be sent."""
    tracker.opt_out()
    with pytest.raises(ValidationError):
        tracker.send({"action": "view"})


# -- consent ------------------------------------------------------------------------------


def test_opted_out_send_returns_none_without_request(
    tracker: Tracker, transport: MockTransport
) -> None:
    """While opted out send resolves to None and nothing is requested."""
    tracker.opt_out()
    assert run_send(tracker, VIEW) is None
    assert transport.requests == []


def test_opt_out_is_persisted(tracker: Tracker, storage: MemoryStorage) -> None:
    """opt_out stores attraqtoptout = "true"."""
    tracker.opt_out()
    assert storage.data[OPT_OUT_STORAGE_KEY] == "true"


def test_opt_out_survives_a_reload(make_tracker: MakeTracker, transport: MockTransport) -> None:
    """A new tracker over the same storage is still opted out."""
    make_tracker().opt_out()
    reloaded = make_tracker()
    assert reloaded.is_opted_out
    assert run_send(reloaded, VIEW) is None
    assert transport.requests == []


def test_opt_out_removes_the_stored_session_id(tracker: Tracker, storage: MemoryStorage) -> None:
    """Opting out removes the stored identifier."""
    tracker.opt_out()
    assert SESSION_STORAGE_KEY not in storage.data


def test_opt_in_removes_the_flag_and_stores_the_session(
    tracker: Tracker, storage: MemoryStorage
) -> None:
    """opt_in removes attraqtoptout and stores the session id again."""
    tracker.opt_out()
    tracker.opt_in()
    assert storage.data == {SESSION_STORAGE_KEY: nth_id(1)}
    assert not tracker.is_opted_out


def test_opt_in_sends_again(tracker: Tracker, transport: MockTransport) -> None:
    """After opt_in activities are sent again."""
    tracker.opt_out()
    tracker.opt_in()
    assert run_send(tracker, VIEW) is not None
    assert len(transport.requests) == 1


def test_only_true_means_opted_out(make_tracker: MakeTracker, storage: MemoryStorage) -> None:
    """A stored value other than "true" is not an opt-out."""
    storage.data[OPT_OUT_STORAGE_KEY] = "yes"
    assert not make_tracker().is_opted_out


def test_opt_out_works_before_init(make_tracker: MakeTracker, storage: MemoryStorage) -> None:
    """A consent banner may opt out before the SDK is initialized."""
    make_tracker(init=False).opt_out()
    assert storage.data[OPT_OUT_STORAGE_KEY] == "true"


def test_tracking_refused_returns_none_without_request(
    tracker: Tracker, transport: MockTransport, environment: QuietEnvironment
) -> None:
    """With Do-Not-Track or GPC on, send resolves to None and nothing is requested."""
    environment.refused = True
    assert run_send(tracker, VIEW) is None
    assert transport.requests == []


def test_tracking_signal_failure_counts_as_refused(transport: MockTransport) -> None:
    """If the privacy signal cannot be read, nothing is sent."""

    class Failing(QuietEnvironment):
        def tracking_refused(self) -> bool:
            raise RuntimeError("navigator gone")

    tracker = Tracker(MemoryStorage(), transport, environment=Failing())
    tracker.init("k")
    assert run_send(tracker, VIEW) is None
    assert transport.requests == []


# -- outcomes -----------------------------------------------------------------------------


def test_success_returns_profiles() -> None:
    """A 2xx answer resolves ok with the parsed profiles."""
    tracker = tracker_over(answer(200, {"profiles": {"p": {"score": 1}}}))
    assert run_send(tracker, VIEW) == SendOutcome(200, True, {"p": {"score": 1}}, None)


def test_success_with_unparsable_body_has_no_profiles() -> None:
    """A 2xx answer with a bad body still counts as success."""
    assert run_send(tracker_over(answer(204, raw="")), VIEW) == SendOutcome(204, True, None, None)


def test_client_error_is_an_outcome_not_an_exception() -> None:
    """A 4xx resolves with ok False and the collector's message."""
    body = {"error": "Not Found", "message": "Unknown tracker key"}
    outcome = run_send(tracker_over(answer(404, body)), VIEW)
    assert outcome == SendOutcome(404, False, None, "Not Found: Unknown tracker key")


def test_server_error_is_an_outcome() -> None:
    """A 5xx resolves with ok False and queued True: the batch waits in the outbox."""
    outcome = run_send(tracker_over(answer(503, raw="<html>busy</html>")), VIEW)
    assert outcome == SendOutcome(503, False, None, "HTTP 503", queued=True)


def test_http_error_goes_to_on_error_and_the_environment() -> None:
    """A failed delivery is reported to on_error and environment.report."""
    errors: list[DeliveryError] = []
    environment = QuietEnvironment()
    tracker = Tracker(
        MemoryStorage(),
        answer(400, {"message": "bad"}),
        environment=environment,
        on_error=errors.append,
    )
    tracker.init("k")
    run_send(tracker, VIEW)
    assert [(e.status, e.retryable) for e in errors] == [(400, False)]
    assert environment.reports == errors


def test_network_failure_resolves_with_status_zero(
    delivery_errors: list[DeliveryError], make_tracker: MakeTracker, transport: MockTransport
) -> None:
    """A TransportError never reaches the caller: status 0, ok False, reported as retryable."""

    def offline(request: HttpRequest) -> HttpResponse:
        raise TransportError("Failed to fetch")

    transport.handler = offline
    outcome = run_send(make_tracker(), VIEW)
    assert outcome is not None
    assert (outcome.status, outcome.ok, outcome.profiles) == (0, False, None)
    assert [(e.status, e.retryable) for e in delivery_errors] == [(0, True)]


def test_a_raising_on_error_is_contained(
    make_tracker: MakeTracker, transport: MockTransport, environment: QuietEnvironment
) -> None:
    """A broken on_error callback does not break send; it is warned about."""
    transport.handler = lambda request: HttpResponse(500, {}, "")
    tracker = make_tracker()

    def broken(error: DeliveryError) -> None:
        raise RuntimeError("oops")

    tracker.on_error = broken
    assert run_send(tracker, VIEW) == SendOutcome(500, False, None, "HTTP 500", queued=True)
    assert any("on_error" in warning for warning in environment.warnings)


def test_a_raising_report_still_calls_on_error(transport: MockTransport) -> None:
    """A broken environment.report does not stop on_error."""

    class Failing(QuietEnvironment):
        def report(self, error: DeliveryError) -> None:
            raise RuntimeError("no DOM")

    errors: list[DeliveryError] = []
    transport.handler = lambda request: HttpResponse(500, {}, "")
    tracker = Tracker(MemoryStorage(), transport, environment=Failing(), on_error=errors.append)
    tracker.init("k")
    run_send(tracker, VIEW)
    assert len(errors) == 1


def test_default_environment_logs_delivery_errors(
    transport: MockTransport, caplog: pytest.LogCaptureFixture
) -> None:
    """Without an environment, failures are logged on the xo_web logger."""
    transport.handler = lambda request: HttpResponse(500, {}, "")
    tracker = Tracker(MemoryStorage(), transport)
    tracker.init("k")
    run_send(tracker, VIEW)
    assert "HTTP 500" in caplog.text


# -- scheduling ---------------------------------------------------------------------------


def test_send_outside_an_event_loop_returns_a_coroutine(tracker: Tracker) -> None:
    """Without a running loop, send returns a coroutine to await later."""
    pending = tracker.send(VIEW)
    assert asyncio.iscoroutine(pending)
    assert asyncio.run(wait(pending)) == SendOutcome(200, True, {}, None)


def test_send_inside_an_event_loop_is_scheduled_at_once(
    tracker: Tracker, transport: MockTransport
) -> None:
    """Inside a running loop, send delivers even if the caller never awaits it."""

    async def fire_and_forget() -> None:
        tracker.send(VIEW)
        for _ in range(500):  # wait for the request, up to a bound
            if transport.requests:
                return
            await asyncio.sleep(0.01)

    asyncio.run(fire_and_forget())
    assert len(transport.requests) == 1


def test_opted_out_send_is_awaitable(tracker: Tracker) -> None:
    """Even when nothing is sent, the result can be awaited (resolving to None)."""
    tracker.opt_out()
    assert asyncio.run(wait(tracker.send(VIEW))) is None


def test_the_session_id_is_stable_across_sends(tracker: Tracker, transport: MockTransport) -> None:
    """Two sends carry the same session id."""
    run_send(tracker, VIEW)
    run_send(tracker, CLICK)
    assert sent_user(transport.requests[0]) == sent_user(transport.requests[1])


def test_on_init_runs_after_a_successful_init(make_tracker: MakeTracker) -> None:
    """The on_init hook (used by the browser adapter) runs after each successful init."""
    tracker = make_tracker(init=False)
    calls: list[str | None] = []
    tracker._on_init = lambda: calls.append(tracker.endpoint)
    tracker.init("k")
    assert calls == ["https://collect-eu.attraqt.io/k"]


def test_on_init_does_not_run_when_init_fails(make_tracker: MakeTracker) -> None:
    """A refused init does not run the hook."""
    tracker = make_tracker(init=False)
    calls: list[int] = []
    tracker._on_init = lambda: calls.append(1)
    with pytest.raises(ConfigError):
        tracker.init("")
    assert calls == []


def test_a_raising_on_init_is_contained(
    make_tracker: MakeTracker, environment: QuietEnvironment
) -> None:
    """A failing hook is warned about; init still succeeds."""
    tracker = make_tracker(init=False)

    def broken() -> None:
        raise RuntimeError("no window")

    tracker._on_init = broken
    tracker.init("k")
    assert tracker.is_initialized
    assert any("on_init" in warning for warning in environment.warnings)
