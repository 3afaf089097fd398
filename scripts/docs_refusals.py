"""The inputs the JS SDK takes and xo_web refuses, with the exact errors, generated at build time.

`docs/migrating.md` holds a marker that this MkDocs hook (mkdocs.yml `hooks:`) replaces with
this table. Each input is run through the JS face (`xo_web.facade.calls.Facade`, what
`window.xo.activity` calls) of a fresh Tracker under CPython, so the error column is what page
JavaScript is thrown, word for word; Python raises the same message (a `ValidationError`,
`PersonalDataError` or `ConfigError`). The JS SDK (`@attraqt/activity@1.7.1`) accepts each of
these: its schema checks types only (see tests/parity/reference-js-sdk.md §7).
"""

from __future__ import annotations

import json
import re
from typing import Any

REFUSALS_MARKER = "<!-- generated: refusals -->"

# (what it is, the call as page JavaScript writes it; JSON arguments, "x".repeat(n) allowed)
REFUSALS: tuple[tuple[str, str], ...] = (
    ("an empty action", 'send({"action": "", "target": {}})'),
    ("a blank target value", 'send({"action": "view", "target": {"product": " "}})'),
    ("an empty target key", 'send({"action": "view", "target": {"": "p-1"}})'),
    ("a string over 2,048 characters", 'send({"action": "x".repeat(2049), "target": {}})'),
    (
        "a timestamp that is not ISO 8601",
        'send({"action": "view", "target": {}, "timestamp": "yesterday"})',
    ),
    (
        "a currency in lower case",
        'send({"action": "view", "target": {}, "metadata": {"currency": "eur"}})',
    ),
    ("an empty orderId", 'send({"action": "purchase", "target": {}, "metadata": {"orderId": ""}})'),
    (
        "a metadata list holding an object",
        'send({"action": "view", "target": {}, "metadata": {"tags": [{"a": 1}]}})',
    ),
    ("an empty segment", 'send({"action": "view", "target": {}, "segments": [""]})'),
    (
        "a trait that is an object",
        'send({"action": "view", "target": {}, "user": {"identities": {}, "traits": {"a": {}}}})',
    ),
    (
        "a malformed session id",
        'send({"action": "view", "target": {}, "user": {"identities": {"sessionid": "a b"}}})',
    ),
    (
        "one repository named twice",
        'send({"action": "view", "target": {}, "user": {"identities": {"crm": "1", "CRM": "2"}}})',
    ),
    (
        "an unknown key nested too deep",
        'send({"action": "view", "target": {}, "extra": [[[[[[[[[["deep"]]]]]]]]]]})',
    ),
    ("an empty list", "send([])"),
    ("more than 100 activities", 'send(Array(101).fill({"action": "view", "target": {}}))'),
    ("an e-mail address as a segment", 'addUserSegment("ada@example.com")'),
    ("a phone number as a trait", 'addUserTrait("phone", "+44 20 7946 0958")'),
    ("an empty identity", 'addUserIdentity("crmId", "")'),
    ("a trait that is an object", 'addUserTrait("address", {"city": "Paris"})'),
    ("a region in upper case", 'init({"trackerKey": "KEY", "region": "AP1"})'),
    ("an unknown region", 'init({"trackerKey": "KEY", "region": "mars"})'),
    ("a tracker key with a space", 'init({"trackerKey": "my key"})'),
    ("an unknown init option", 'init({"trackerKey": "KEY", "storage": {}})'),
)

_REPEAT = re.compile(r'"(.)"\.repeat\((\d+)\)')
_FILL = re.compile(r"^Array\((\d+)\)\.fill\((.*)\)$", re.S)


def parse_call(call: str) -> tuple[str, list[object]]:
    """Return the method name and the JSON arguments of a call written as page JavaScript."""
    name, _, rest = call.partition("(")
    text = _REPEAT.sub(lambda m: json.dumps(m.group(1) * int(m.group(2))), rest[:-1])
    fill = _FILL.match(text)
    if fill:
        return name, [[json.loads(fill.group(2))] * int(fill.group(1))]
    return name, json.loads(f"[{text}]")


def error_of(call: str) -> tuple[str, str] | None:
    """Return (JS error class, message) that `call` throws in page JavaScript, or None."""
    from xo_web.facade.calls import Facade
    from xo_web.testing import MemoryStorage, MockTransport, QuietEnvironment
    from xo_web.tracker import Tracker

    tracker = Tracker(MemoryStorage(), MockTransport(), environment=QuietEnvironment())
    facade = Facade(tracker)
    name, args = parse_call(call)
    if name != "init":
        facade.call("init", [{"trackerKey": "KEY"}])
    answer = facade.call(name, args)
    if answer.ok:
        tracker.close()
        return None
    return answer.kind, answer.message


def refusals_table() -> str:
    """Return the Markdown table of every refusal: the input and what it throws."""
    rows = ["| input | page JavaScript calls | xo_web throws |", "|---|---|---|"]
    for what, call in REFUSALS:
        error = error_of(call)
        thrown = "**accepted**" if error is None else f"`{error[0]}`: `{error[1]}`"
        thrown = thrown.replace("|", "\\|")
        rows.append(f"| {what} | `{call}` | {thrown} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs hook: replace the marker with the generated table."""
    if REFUSALS_MARKER not in markdown:
        return markdown
    return markdown.replace(REFUSALS_MARKER, refusals_table())
