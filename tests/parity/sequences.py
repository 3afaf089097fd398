"""Call sequences the parity test runs against the reference JS SDK and against xo_web.

A sequence is a list of ``[method, ...args]`` steps (the ``_attraqt`` entry shape), JSON-able so
that it can be handed to ``page.evaluate``; every ``send`` step makes one POST. ``fixes`` names
the documented differences (docs/migrating.md) that apply to the sequence:
the test turns the reference body into what the fixed SDK must send with exactly those
normalisations (see ``test_parity.NORMALISATIONS``) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Step = list[Any]

VIEW: dict[str, Any] = {"action": "view", "target": {"product": "p-1"}}
CLICK: dict[str, Any] = {"action": "click", "target": {"product": "p-2", "list": "search"}}
REST_SESSION_ID = "rest-session-1"

# Fix names, each applied by a normalisation of the same name in test_parity.py.
LOWER_CASE_IDENTITIES = "lower-case-identities"
SESSION_ID_IN_OWN_USER = "session-id-in-own-user"
NEW_SESSION_AFTER_CLEAR = "new-session-after-clear"
UNIQUE_SEGMENTS = "unique-segments"


@dataclass(frozen=True)
class Sequence:
    """One scenario: the steps, and the documented differences that apply to it."""

    name: str
    steps: list[Step]
    fixes: tuple[str, ...] = field(default=())


SEQUENCES: tuple[Sequence, ...] = (
    Sequence("first-view", [["send", VIEW]]),
    Sequence(
        "add-user-identity",
        [
            ["addUserIdentity", "ecommerceId", "c-1"],
            ["send", VIEW],
            ["addUserIdentity", "CRMId", "crm-9"],
            ["addUserIdentity", "ecommerceId", "c-2"],  # replaces, keeps its position
            ["send", CLICK],
        ],
    ),
    Sequence(
        "segments-and-traits",
        [
            ["addUserSegment", "vip"],
            ["addUserSegment", "newsletter"],
            ["addUserTrait", "tier", "gold"],
            ["send", VIEW],
            ["setUserTraits", {"tier": "silver", "lang": "nl", "channel": "web"}],
            ["send", VIEW],
            ["setUserTraits", {"age": 45, "buyer": True, "score": 0.75}],  # the docs' example
            ["addUserTrait", "tier", "bronze"],
            ["send", CLICK],
        ],
    ),
    Sequence(
        "set-user-segments",
        [
            ["addUserSegment", "old"],
            ["setUserSegments", ["sale", "outdoor"]],
            ["send", VIEW],
            ["addUserSegment", "winter"],
            ["send", VIEW],
            ["setUserSegments", []],
            ["send", VIEW],
        ],
    ),
    Sequence(
        "duplicate-segments",
        [
            ["addUserSegment", "vip"],
            ["addUserSegment", "sale"],
            ["addUserSegment", "vip"],
            ["send", VIEW],
            ["setUserSegments", ["b", "a", "b"]],
            ["send", VIEW],
        ],
        fixes=(UNIQUE_SEGMENTS,),
    ),
    Sequence(
        "set-user",
        [
            ["addUserSegment", "dropped"],
            [
                "setUser",
                {
                    "identities": {"ecommerceid": "e-1", "crmid": "crm-1"},
                    "segments": ["s1", "s2"],
                    "traits": {"tier": "gold", "visits": 3},
                },
            ],
            ["send", VIEW],
        ],
    ),
    Sequence(
        "set-user-identities-lower-case",
        [
            ["addUserIdentity", "ecommerceid", "dropped"],
            ["setUserIdentities", {"ecommerceid": "e-1", "crmid": "crm-1"}],
            ["send", VIEW],
        ],
    ),
    Sequence(
        "set-user-identities-mixed-case",
        [
            ["setUserIdentities", {"ecommerceId": "e-1", "CRMId": "crm-1"}],
            ["send", VIEW],
        ],
        fixes=(LOWER_CASE_IDENTITIES,),
    ),
    Sequence(
        "set-user-identities-own-session-id",
        [
            ["setUserIdentities", {"sessionId": "given-session-1", "ecommerceId": "e-1"}],
            ["send", VIEW],
        ],
        fixes=(LOWER_CASE_IDENTITIES,),
    ),
    Sequence(
        "clear-user",
        [
            ["addUserIdentity", "ecommerceId", "c-1"],
            ["addUserSegment", "vip"],
            ["addUserTrait", "tier", "gold"],
            ["send", VIEW],
            ["clearUser"],
            ["send", VIEW],
            ["addUserSegment", "anonymous"],
            ["send", CLICK],
        ],
        fixes=(NEW_SESSION_AFTER_CLEAR,),
    ),
    Sequence(
        "own-user-with-session-id",
        [
            ["addUserSegment", "ignored-for-this-send"],
            [
                "send",
                {
                    "action": "view",
                    "target": {"product": "p-1"},
                    "user": {
                        "identities": {"sessionid": REST_SESSION_ID, "crmid": "crm-1"},
                        "segments": ["rest"],
                        "traits": {"tier": "gold"},
                    },
                },
            ],
            ["send", VIEW],  # the SDK's own user again
        ],
    ),
    Sequence(
        "own-user-identities-only",
        [
            [
                "send",
                {
                    "action": "view",
                    "target": {},
                    "user": {"identities": {"sessionid": REST_SESSION_ID}},
                },
            ],
        ],
    ),
    Sequence(
        "own-user-without-session-id",
        [
            [
                "send",
                {
                    "action": "view",
                    "target": {"product": "p-1"},
                    "user": {"identities": {"crmid": "crm-1"}, "segments": ["rest"]},
                },
            ],
        ],
        fixes=(SESSION_ID_IN_OWN_USER,),
    ),
    Sequence(
        "own-user-before-target",
        [
            [
                "send",
                {
                    "action": "view",
                    "user": {"identities": {"sessionid": REST_SESSION_ID}},
                    "target": {"product": "p-1"},
                },
            ],
        ],
    ),
    Sequence(
        "list-of-two",
        [
            ["addUserIdentity", "ecommerceId", "c-1"],
            ["send", [VIEW, {"action": "add-to-cart", "target": {"product": "p-1"}}]],
        ],
    ),
    Sequence(
        "metadata-and-extra-keys",
        [
            ["addUserSegment", "vip"],
            [
                "send",
                {
                    "action": "purchase",
                    "target": {"product": "p-1", "variant": "p-1-red"},
                    "sourceId": "checkout",
                    "opposite": False,
                    "segments": ["activity-segment"],
                    "timestamp": "2024-05-01T12:00:00Z",
                    "metadata": {
                        "price": 1999,
                        "quantity": 2,
                        "currency": "EUR",
                        "orderId": "order-42",
                        "market": "nl",
                        "giftWrap": True,
                        "discount": 12.5,
                        "tags": ["summer", "sale", 3],
                    },
                    "campaign": "spring",
                    "experiment": {"id": "exp-1", "arm": 2, "flags": [True, None]},
                },
            ],
            [
                "send",
                {
                    "action": "remove-from-cart",
                    "target": {"product": "p-2"},
                    "metadata": {"quantity": 1, "price": 0.99, "currency": "USD"},
                    "opposite": True,
                },
            ],
        ],
    ),
    Sequence(
        "text",
        [
            ["addUserTrait", "city", "Zürich"],
            [
                "send",
                {
                    "action": "view",
                    "target": {"product": 'café/crème €5 "quoted" <b>&amp;</b> 日本 😀'},
                    "metadata": {"price": 19.99, "quantity": 3, "ratio": 0.1, "negative": -5},
                },
            ],
        ],
    ),
    Sequence(
        "number-formatting",
        [
            [
                "send",
                {
                    "action": "view",
                    "target": {},
                    "metadata": {
                        "small": 0.000001,
                        "large": 1e16,
                        "huge": 1e21,
                        "max-safe": 9007199254740991,
                    },
                },
            ],
        ],
    ),
    Sequence(
        "caller-key-order",
        [
            [
                "send",
                {
                    "target": {"z": "1", "a": "2"},
                    "campaign": "spring",
                    "action": "view",
                    "metadata": {"quantity": 1, "price": 10},
                },
            ],
        ],
    ),
    Sequence(
        "opt-out-then-in",
        [
            ["optOut"],
            ["send", VIEW],  # no request while opted out: null in both
            ["optIn"],
            ["send", CLICK],
        ],
    ),
)
