"""Parity with the official JS SDK: for the same calls, xo_web POSTs what @attraqt/activity does.

Both SDKs run in the same page of the same Chromium: the reference bundle
(``window.AttraqtReference``, built by scripts/build-reference-sdk.mjs) and xo_web's ``xo.js``.
For each call sequence of ``tests/parity/sequences.py`` the page runs the steps on a fresh
reference instance, then on ``xo.activity``, starting from the same stored session id (the
migration case: the reference wrote it, xo_web reuses it). The fake collector records every
POST's raw body; the test then compares the two SDKs' requests: URL, method, headers, and the
body byte for byte (key order included).

The only differences allowed are the documented fixes (docs/migrating.md), each applied to the
reference body by a named normalisation below, with a one-line reason. Whatever else differs
is an xo_web bug, and the test fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from tests.browser.conftest import BUNDLE_PREFIX
from tests.browser.pages import HEAD
from tests.parity.conftest import REFERENCE_FILE, REFERENCE_PREFIX
from tests.parity.sequences import (
    LOWER_CASE_IDENTITIES,
    NEW_SESSION_AFTER_CLEAR,
    SEQUENCES,
    SESSION_ID_IN_OWN_USER,
    UNIQUE_SEGMENTS,
    Sequence,
)
from tests.support.browser import COLLECTOR_URL, Network
from tests.support.static_site import StaticSite
from xo_web.errors import ACTIVITY_FORMAT_MESSAGE

pytestmark = pytest.mark.browser

TRACKER_KEY = "parity"
ENDPOINT = f"https://collect-eu.attraqt.io/{TRACKER_KEY}"
UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

# Sets an SDK up on a clean localStorage: a fresh reference instance, or xo.activity starting
# from the reference's stored session id. Inline, so the page must not get a CSP.
START = """
window.parityStart = async (sdk, trackerKey, sessionId) => {
  await window.xo.ready;
  localStorage.clear();
  let target, sessionOf;
  if (sdk === "reference") {
    target = new window.AttraqtReference.Activity();
    sessionOf = () => target.user.identities.sessionid;
  } else {
    localStorage.setItem("attraqtsessionid", sessionId);
    target = window.xo.activity;
    sessionOf = () => target.getSessionId();
  }
  target.init({trackerKey});
  return {target, sessionOf};
};
"""

PAGE = (
    f"{HEAD}<title>xo_web parity</title>"
    f'<script src="{REFERENCE_PREFIX}{REFERENCE_FILE}"></script>'
    f'<script src="{BUNDLE_PREFIX}xo.js" async></script>'
    f"<script>{START}</script>"
    "</head><body></body></html>"
)

# Runs one sequence on one SDK; every send is awaited before the next step, so the requests
# reach the collector in step order. Returns the session id at init and after each send.
RUN_SEQUENCE = """
async ({sdk, steps, trackerKey, sessionId}) => {
  const {target, sessionOf} = await window.parityStart(sdk, trackerKey, sessionId);
  const run = {initialSession: sessionOf(), sends: []};
  for (const [method, ...args] of steps) {
    const result = target[method](...args);
    if (method === "send") {
      run.sends.push({result: result === null ? null : await result, session: sessionOf()});
    }
  }
  return run;
}
"""

# Runs a snippet (the body of an async function of `sdk`) on one SDK; returns what it returned
# or threw, and the session id at init.
RUN_SNIPPET = """
async ({sdk, body, trackerKey, sessionId}) => {
  const {target, sessionOf} = await window.parityStart(sdk, trackerKey, sessionId);
  const snippet = new (async () => {}).constructor("sdk", body);
  const out = {initialSession: sessionOf()};
  try {
    out.value = await snippet(target);
  } catch (error) {
    out.error = {name: error.name, message: error.message};
  }
  return out;
}
"""


@dataclass
class RawRequest:
    """One POST to the collector, with its body as sent (a string)."""

    method: str
    url: str
    headers: dict[str, str]
    body: str

    @property
    def activities(self) -> list[dict[str, Any]]:
        """The parsed body (a JSON array of activities)."""
        parsed = json.loads(self.body)
        assert isinstance(parsed, list), f"the body is not a JSON array: {self.body}"
        return parsed


@dataclass
class RawRecorder:
    """Records the raw POSTs, then lets the Network's fake collector answer them."""

    requests: list[RawRequest] = field(default_factory=list)

    def install(self, context: BrowserContext) -> RawRecorder:
        """Register after ``Network.install``: Playwright runs the last matching route first."""
        context.route(COLLECTOR_URL, self._record)
        return self

    def _record(self, route: Route) -> None:
        request = route.request
        if request.method != "OPTIONS":
            raw = RawRequest(request.method, request.url, dict(request.headers), "")
            raw.body = request.post_data or ""
            self.requests.append(raw)
        route.fallback()


@dataclass
class Run:
    """What one SDK did for a sequence: its results, session ids and requests."""

    initial_session: str
    results: list[Any]
    sessions: list[str]
    requests: list[RawRequest]


@pytest.fixture
def recorder(context: BrowserContext, network: Network) -> RawRecorder:
    """Raw bodies of the collector POSTs (``network`` answers them and guards the rest)."""
    return RawRecorder().install(context)


@pytest.fixture
def parity_page(
    page: Page, parity_site: StaticSite, recorder: RawRecorder, boot_timeout_ms: int
) -> Iterator[Page]:
    """A page with both SDKs loaded and xo_web booted (not initialised)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(parity_site.add_page("/parity/both.html", PAGE))
    assert page.evaluate("typeof window.AttraqtReference.Activity") == "function"
    page.wait_for_function("window.xo && window.xo.ready", timeout=boot_timeout_ms)
    page.evaluate("window.xo.ready.then(() => { window.booted = true; })")
    page.wait_for_function("window.booted === true", timeout=boot_timeout_ms)
    yield page
    assert errors == [], f"uncaught errors in the page: {errors}"


def run_sequence(
    page: Page, recorder: RawRecorder, sdk: str, sequence: Sequence, session_id: str | None
) -> Run:
    """Run ``sequence`` on one SDK and return what it did."""
    before = len(recorder.requests)
    args = {"sdk": sdk, "steps": sequence.steps, "trackerKey": TRACKER_KEY, "sessionId": session_id}
    outcome = page.evaluate(RUN_SEQUENCE, args)
    return Run(
        initial_session=outcome["initialSession"],
        results=[send["result"] for send in outcome["sends"]],
        sessions=[send["session"] for send in outcome["sends"]],
        requests=recorder.requests[before:],
    )


# -- normalisations: the documented fixes, applied to the reference's activities -------------

Activities = list[dict[str, Any]]


def lower_case_identities(activities: Activities, run: Run) -> Activities:
    """Why: setUserIdentities keeps the caller's casing and appends a second "sessionid" (§6);
    xo_web lower-cases names and the caller's session id, which comes first, wins (§4)."""
    for activity in activities:
        identities = activity["user"]["identities"]
        lowered: dict[str, str] = {}
        for name, value in identities.items():
            lowered.setdefault(name.lower(), value)
        activity["user"]["identities"] = lowered
    return activities


def session_id_in_own_user(activities: Activities, run: Run) -> Activities:
    """Why: an activity's own user without a session id is sent without one (§6); xo_web adds
    the current session id, first among the identities (§4)."""
    for activity in activities:
        user = activity["user"]
        if "sessionid" not in user["identities"]:
            user["identities"] = {"sessionid": run.initial_session, **user["identities"]}
    return activities


def unique_segments(activities: Activities, run: Run) -> Activities:
    """Why: the reference keeps duplicate segments (observed ["vip","vip"]); docs/api.md says
    "no duplicates" (first occurrence wins). Not in the §6 list, but a documented contract."""
    for activity in activities:
        activity["user"]["segments"] = list(dict.fromkeys(activity["user"]["segments"]))
    return activities


def new_session_after_clear(activities: Activities, run: Run) -> Activities:
    """Why: clearUser draws a new random uuid in each SDK, so the two can never be equal; both
    sides get this (the test checks each is a fresh UUID v4 first)."""
    for activity in activities:
        identities = activity["user"]["identities"]
        if identities.get("sessionid") != run.initial_session:
            identities["sessionid"] = "<new session id>"
    return activities


Normalisation = Callable[[Activities, Run], Activities]
NORMALISATIONS: dict[str, Normalisation] = {
    LOWER_CASE_IDENTITIES: lower_case_identities,
    SESSION_ID_IN_OWN_USER: session_id_in_own_user,
    UNIQUE_SEGMENTS: unique_segments,
}
BOTH_SIDES: dict[str, Normalisation] = {NEW_SESSION_AFTER_CLEAR: new_session_after_clear}


def compact(value: object) -> str:
    """JSON as both SDKs put it on the wire: compact, raw UTF-8, keys in insertion order."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def expected_and_actual(
    sequence: Sequence, ref: Run, xo: Run, ref_request: RawRequest, xo_request: RawRequest
) -> tuple[str, str]:
    """The reference body with the sequence's fixes applied, and xo_web's body."""
    unknown = set(sequence.fixes) - set(NORMALISATIONS) - set(BOTH_SIDES)
    assert not unknown, f"no normalisation for {unknown}"
    if not sequence.fixes:
        return ref_request.body, xo_request.body  # byte for byte
    expected, actual = ref_request.activities, xo_request.activities
    for fix in sequence.fixes:
        if fix in NORMALISATIONS:
            expected = NORMALISATIONS[fix](expected, ref)
        else:
            expected = BOTH_SIDES[fix](expected, ref)
            actual = BOTH_SIDES[fix](actual, xo)
    return compact(expected), compact(actual)


# -- the fixed behaviour, checked on every xo_web body ---------------------------------------


def assert_fixed_user(activities: Activities) -> None:
    """Exactly one "sessionid" identity, and every repository name lower case."""
    for activity in activities:
        names = list(activity["user"]["identities"])
        assert [n for n in names if n.lower() == "sessionid"] == ["sessionid"], names
        assert names == [n.lower() for n in names], names


def assert_clear_user_made_new_sessions(ref: Run, xo: Run) -> None:
    """After clearUser each SDK sends a fresh UUID v4, different from the one before."""
    for run in (ref, xo):
        later = {session for session in run.sessions if session != run.initial_session}
        assert len(later) == 1, run.sessions
        assert UUID_V4.fullmatch(later.pop() or ""), run.sessions


@pytest.mark.parametrize("sequence", SEQUENCES, ids=[s.name for s in SEQUENCES])
def test_xo_web_posts_what_the_reference_posts(
    parity_page: Page, recorder: RawRecorder, sequence: Sequence
) -> None:
    """Same calls, same requests: URL, method, headers and body, except the documented fixes."""
    ref = run_sequence(parity_page, recorder, "reference", sequence, None)
    assert UUID_V4.fullmatch(ref.initial_session), "the reference writes a UUID v4 at init"
    xo = run_sequence(parity_page, recorder, "xo", sequence, ref.initial_session)
    assert xo.initial_session == ref.initial_session, "xo_web reuses the stored session id"

    assert [r is None for r in xo.results] == [r is None for r in ref.results]
    assert len(ref.requests) == len(xo.requests) == sum(r is not None for r in ref.results)
    if NEW_SESSION_AFTER_CLEAR in sequence.fixes:
        assert_clear_user_made_new_sessions(ref, xo)
    elif LOWER_CASE_IDENTITIES not in sequence.fixes:
        # (with that fix a caller's "sessionId" becomes xo_web's session id, while the
        # reference keeps its own beside it: the bodies below say what each one sends)
        assert xo.sessions == ref.sessions

    for ref_request, xo_request in zip(ref.requests, xo.requests, strict=True):
        assert (xo_request.method, xo_request.url) == ("POST", ENDPOINT)
        assert (ref_request.method, ref_request.url) == ("POST", ENDPOINT)
        assert xo_request.headers == ref_request.headers
        assert xo_request.headers["content-type"] == "application/json"
        assert xo_request.headers["x-sdk"] == "1"
        assert_fixed_user(xo_request.activities)
        expected, actual = expected_and_actual(sequence, ref, xo, ref_request, xo_request)
        assert actual == expected

    # The outcome: the reference resolves {status, body}; xo_web parses the profiles.
    for ref_result, xo_result in zip(ref.results, xo.results, strict=True):
        if ref_result is not None:
            assert xo_result["status"] == ref_result["status"] == 200
            assert xo_result["ok"] is True
            assert xo_result["profiles"] == json.loads(ref_result["body"])["profiles"]


# -- the fixes themselves: where the reference cannot produce a comparable body --------------


@dataclass
class Outcome:
    """What a snippet did on one SDK: its value or error, and the bodies it POSTed."""

    initial_session: str
    value: Any
    error: dict[str, str] | None
    bodies: list[Activities]


@dataclass(frozen=True)
class FixCase:
    """A JS SDK defect xo_web fixes (docs/migrating.md): a snippet, what the reference does,
    what xo_web does instead."""

    name: str
    body: str
    check: Callable[[Outcome, Outcome], None]


def run_snippet(
    page: Page, recorder: RawRecorder, sdk: str, body: str, session: str | None
) -> Outcome:
    """Run a snippet on one SDK and return its outcome."""
    before = len(recorder.requests)
    args = {"sdk": sdk, "body": body, "trackerKey": TRACKER_KEY, "sessionId": session}
    out = page.evaluate(RUN_SNIPPET, args)
    bodies = [request.activities for request in recorder.requests[before:]]
    return Outcome(out["initialSession"], out.get("value"), out.get("error"), bodies)


def user_of(outcome: Outcome) -> dict[str, Any]:
    """The user of the only activity the snippet sent."""
    [[activity]] = outcome.bodies
    user: dict[str, Any] = activity["user"]
    return user


def check_send_empty_list(ref: Outcome, xo: Outcome) -> None:
    """`send([])` posts an empty array; xo_web refuses it at the call and sends nothing."""
    assert (ref.error, ref.bodies) == (None, [[]])
    assert xo.error is not None
    assert xo.error["name"] == "TypeError"
    assert xo.error["message"].startswith(ACTIVITY_FORMAT_MESSAGE)
    assert xo.bodies == []


def check_numeric_trait(ref: Outcome, xo: Outcome) -> None:
    """`addUserTrait` refuses the numbers `setUserTraits` and the docs use; xo_web takes them."""
    assert ref.error == {"name": "TypeError", "message": "trait and traitValue must be strings."}
    assert ref.bodies == []
    assert xo.error is None
    assert user_of(xo)["traits"] == {"visits": 3, "buyer": True}


def check_set_user_without_segments(ref: Outcome, xo: Outcome) -> None:
    """`setUser` demands segments and is applied half-way when it throws; xo_web takes a
    partial user whole (missing parts empty)."""
    assert ref.value == "segments must be an array of strings."
    ref_user = user_of(ref)
    assert ref_user["identities"] == {"ecommerceid": "e-1", "sessionid": ref.initial_session}
    assert ref_user["segments"] == ["before"]  # identities replaced, segments not: half-applied
    assert xo.value is None
    assert xo.error is None
    xo_user = user_of(xo)
    assert xo_user["identities"] == {"sessionid": xo.initial_session, "ecommerceid": "e-1"}
    assert (xo_user["segments"], xo_user["traits"]) == ([], {})


def check_set_user_without_traits(ref: Outcome, xo: Outcome) -> None:
    """`setUser` without traits sends no "traits" key at all; xo_web sends empty traits."""
    assert list(user_of(ref)) == ["identities", "segments"]
    assert list(user_of(xo)) == ["identities", "segments", "traits"]
    assert user_of(xo)["traits"] == {}


def check_setters_copy(ref: Outcome, xo: Outcome) -> None:
    """Setters keep the caller's objects, so later changes leak into the payload; xo_web copies."""
    assert (user_of(ref)["segments"], user_of(ref)["traits"]) == (
        ["a", "mutated"],
        {"k": "v", "k2": "added"},
    )
    assert (user_of(xo)["segments"], user_of(xo)["traits"]) == (["a"], {"k": "v"})


def check_error_names_field(ref: Outcome, xo: Outcome) -> None:
    """Validation errors do not say which field; xo_web's message names it after the same text."""
    assert ref.error is not None
    assert ref.error["message"] == ACTIVITY_FORMAT_MESSAGE
    assert xo.error is not None
    assert xo.error["message"].startswith(f"{ACTIVITY_FORMAT_MESSAGE} target.product:")
    assert ref.bodies == xo.bodies == []


SEND_VIEW = 'await sdk.send({action: "view", target: {product: "p-1"}});'
FIX_CASES: tuple[FixCase, ...] = (
    FixCase("send-empty-list", 'await sdk.send([]); return "sent";', check_send_empty_list),
    FixCase(
        "add-user-trait-number",
        f'sdk.addUserTrait("visits", 3); sdk.addUserTrait("buyer", true); {SEND_VIEW}',
        check_numeric_trait,
    ),
    FixCase(
        "set-user-without-segments",
        'sdk.addUserSegment("before"); let thrown = null;'
        'try { sdk.setUser({identities: {ecommerceid: "e-1"}}); }'
        f"catch (error) {{ thrown = error.message; }} {SEND_VIEW} return thrown;",
        check_set_user_without_segments,
    ),
    FixCase(
        "set-user-without-traits",
        f'sdk.setUser({{identities: {{ecommerceid: "e-1"}}, segments: ["s"]}}); {SEND_VIEW}',
        check_set_user_without_traits,
    ),
    FixCase(
        "setters-copy-their-arguments",
        'const segments = ["a"]; sdk.setUserSegments(segments); segments.push("mutated");'
        'const traits = {k: "v"}; sdk.setUserTraits(traits); traits.k2 = "added";'
        f"{SEND_VIEW}",
        check_setters_copy,
    ),
    FixCase(
        "validation-error-names-the-field",
        'await sdk.send({action: "view", target: {product: 5}}); return "sent";',
        check_error_names_field,
    ),
)


@pytest.mark.parametrize("case", FIX_CASES, ids=[c.name for c in FIX_CASES])
def test_documented_fixes(parity_page: Page, recorder: RawRecorder, case: FixCase) -> None:
    """The reference still shows each defect docs/migrating.md lists; xo_web behaves the fixed
    way."""
    ref = run_snippet(parity_page, recorder, "reference", case.body, None)
    xo = run_snippet(parity_page, recorder, "xo", case.body, ref.initial_session)
    assert xo.initial_session == ref.initial_session
    case.check(ref, xo)
    for bodies in xo.bodies:
        assert_fixed_user(bodies)
