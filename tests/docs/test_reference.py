"""The generated activity reference says what the code checks: fields, limits, schema, refusals."""

from __future__ import annotations

import typing

import jsonschema
import pytest

from scripts.docs_reference import (
    FIELDS_MARKER,
    LIMITS,
    LIMITS_MARKER,
    activity_schema,
    fields_table,
    limits_table,
)
from scripts.docs_refusals import REFUSALS, REFUSALS_MARKER, error_of
from tests.docs.blocks import ROOT
from xo_web import types
from xo_web.wire import models, parse_activities, rules

ACCEPTED = [
    {"action": "view", "target": {}},
    {
        "action": "purchase",
        "target": {"product": "p"},
        "metadata": {"price": 1999, "currency": "EUR", "tags": ["a", 1]},
    },
    {"action": "view", "target": {}, "timestamp": "2026-05-01T12:00:00Z", "opposite": True},
    {
        "action": "view",
        "target": {},
        "user": {"identities": {"sessionid": "abc-1"}, "traits": {"a": 1}},
    },
]
REFUSED = [
    {"action": "", "target": {}},
    {"target": {}},
    {"action": "view", "target": {"p": 1}},
    {"action": "view", "target": {}, "metadata": {"currency": "eur"}},
    {"action": "view", "target": {}, "timestamp": "yesterday"},
    {"action": "x" * 2049, "target": {}},
    {"action": "view", "target": {}, "metadata": {"tags": [{"a": 1}]}},
]


def test_the_pages_hold_the_markers() -> None:
    """docs/activity.md and docs/migrating.md are where the generated tables go."""
    assert FIELDS_MARKER in (ROOT / "docs" / "activity.md").read_text(encoding="utf-8")
    assert LIMITS_MARKER in (ROOT / "docs" / "activity.md").read_text(encoding="utf-8")
    assert REFUSALS_MARKER in (ROOT / "docs" / "migrating.md").read_text(encoding="utf-8")


def test_the_fields_table_lists_every_field_of_every_model() -> None:
    """Each field of Activity, Metadata and User has a row with a description."""
    table = fields_table()
    for prefix, model in (
        ("", models.Activity),
        ("metadata.", models.Metadata),
        ("user.", models.User),
    ):
        for name, field in model.model_fields.items():
            assert f"| `{prefix}{name}` |" in table
            assert field.description, name


def test_every_limit_of_the_rules_is_in_the_limits_table() -> None:
    """A new MAX_* in xo_web.wire.rules cannot be left out of the reference."""
    names = {name for name in vars(rules) if name.startswith("MAX_")}
    assert names == set(LIMITS)
    table = limits_table()
    assert all(f"| {getattr(rules, name):,} | `{name}` |" in table for name in names)


@pytest.mark.parametrize("activity", ACCEPTED)
def test_the_schema_accepts_what_xo_web_accepts(activity: dict[str, object]) -> None:
    """An activity xo_web takes is valid under the published schema."""
    parse_activities(activity)
    jsonschema.validate(activity, activity_schema())


@pytest.mark.parametrize("activity", REFUSED)
def test_the_schema_refuses_what_xo_web_refuses(activity: dict[str, object]) -> None:
    """An activity xo_web refuses is invalid under the published schema."""
    with pytest.raises(ValueError, match="does not match"):
        parse_activities(activity)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(activity, activity_schema())


@pytest.mark.parametrize(("what", "call"), REFUSALS, ids=[what for what, _ in REFUSALS])
def test_each_listed_refusal_is_refused(what: str, call: str) -> None:
    """Every input the migration page lists is refused by xo_web (none says "accepted")."""
    assert error_of(call) is not None


@pytest.mark.parametrize(
    ("typed", "model"),
    [
        (types.Activity, models.Activity),
        (types.Metadata, models.Metadata),
        (types.User, models.User),
    ],
)
def test_the_typed_dicts_have_the_models_fields(typed: type, model: type[models.Activity]) -> None:
    """xo_web.types, which editors complete from, has exactly the fields the models check."""
    assert set(typing.get_type_hints(typed)) == set(model.model_fields)
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    assert typed.__required_keys__ == required  # type: ignore[attr-defined]
