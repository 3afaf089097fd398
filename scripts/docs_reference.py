"""The activity reference of the docs site, generated from the wire models at build time.

An MkDocs hook (mkdocs.yml `hooks:`): `docs/activity.md` holds markers that this module
replaces with tables made from `xo_web.wire.models` (each field's JSON Schema and description)
and `xo_web.wire.rules` (every `MAX_*` limit), and the site gets `activity.schema.json`, the
JSON Schema of one activity, as a file to download. Nothing here is written by hand twice, so
the reference cannot drift from what xo_web checks. `python scripts/docs_reference.py` prints
the schema.
"""

from __future__ import annotations

import json
from typing import Any

from xo_web.wire import rules
from xo_web.wire.models import Activity

SCHEMA_FILE = "activity.schema.json"
FIELDS_MARKER = "<!-- generated: activity fields -->"
LIMITS_MARKER = "<!-- generated: limits -->"

# What each limit of xo_web.wire.rules bounds (a test checks that every MAX_* has a line).
LIMITS: dict[str, str] = {
    "MAX_BATCH_SIZE": "activities in one `send` (a list)",
    "MAX_ACTIVITY_BYTES": "bytes of one activity as JSON (UTF-8), its user included",
    "MAX_USER_BYTES": "bytes of the user object as JSON (UTF-8)",
    "MAX_STRING_LENGTH": "characters in any string value",
    "MAX_KEY_LENGTH": "characters in any key (a `target` name, a trait name, …)",
    "MAX_TARGET_KEYS": "keys in `target`",
    "MAX_METADATA_KEYS": "keys in `metadata`",
    "MAX_LIST_ITEMS": "items in a list value (`metadata`, unknown keys)",
    "MAX_SEGMENTS": "segments (of an activity, of the user)",
    "MAX_TRAITS": "traits of the user",
    "MAX_IDENTITIES": "identities of the user",
    "MAX_EXTRA_KEYS": "keys in an object under an unknown key",
    "MAX_NESTING": "levels of nesting under an unknown key",
}


def _clean(node: Any) -> Any:
    """Drop pydantic's generated titles and `default: null`, and fold `X or null` into X: an
    optional field given as null counts as absent, and the collector never receives null."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
            folded = {k: v for k, v in node.items() if k != "anyOf"}
            return _clean({**next(o for o in options if o != {"type": "null"}), **folded})
        out = {}
        for key, value in node.items():
            if key == "default" and value is None:
                continue
            if key == "title" and isinstance(value, str):
                continue
            out[key] = _clean(value)
        return out
    if isinstance(node, list):
        return [_clean(item) for item in node]
    return node


def activity_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of one activity, from the wire models."""
    schema = _clean(Activity.model_json_schema())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "xo_web activity",
        "description": (
            "One activity as xo_web accepts it and the collector receives it (the request "
            f"body is an array of 1 to {rules.MAX_BATCH_SIZE}). Unknown top-level keys pass "
            "through as JSON values. Generated from xo_web.wire.models."
        ),
        **{k: v for k, v in schema.items() if k != "description"},
    }


def _kind(node: dict[str, Any]) -> str:
    if "$ref" in node:
        return "object"
    if "anyOf" in node:
        return " or ".join(_kind(option) for option in node["anyOf"])
    kind = node.get("type")
    if isinstance(kind, list):
        return " / ".join(kind)
    if kind == "array":
        return f"array of {_kind(node.get('items', {}))}"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        values = node["additionalProperties"]
        return f"object of {_kind(values)}" if values else "object"
    return str(kind or "any JSON value")


def _limits(node: dict[str, Any]) -> str:
    parts = []
    if node.get("minLength") == 1:
        parts.append("not blank")
    if "maxLength" in node:
        parts.append(f"≤ {node['maxLength']:,} characters")
    pattern = node.get("pattern", r"\S")
    if pattern != r"\S":
        parts.append(f"matches `{pattern}`" if len(pattern) < 40 else "a pattern (see the schema)")
    if "maxItems" in node:
        parts.append(f"≤ {node['maxItems']:,} items")
    if "maxProperties" in node:
        parts.append(f"≤ {node['maxProperties']:,} keys")
    values = node.get("additionalProperties")
    if isinstance(values, dict) and "maxLength" in values:
        parts.append(f"values ≤ {values['maxLength']:,} characters")
    if isinstance(node.get("items"), dict) and "maxLength" in node["items"]:
        parts.append(f"items ≤ {node['items']['maxLength']:,} characters")
    return "; ".join(parts)


def _rows(schema: dict[str, Any], model: dict[str, Any], prefix: str) -> list[str]:
    rows = []
    required = set(model.get("required", []))
    for name, node in model["properties"].items():
        target = node
        if "$ref" in node:
            target = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        limits = _limits(target).replace("|", "\\|")
        description = node.get("description", "").replace("|", "\\|")
        rows.append(
            f"| `{prefix}{name}` | {_kind(node)} | {'yes' if name in required else ''} "
            f"| {limits} | {description} |"
        )
        if "$ref" in node:
            rows.extend(_rows(schema, target, f"{prefix}{name}."))
    return rows


def fields_table() -> str:
    """Return the Markdown table of every field: type, required, limits, description."""
    schema = activity_schema()
    head = "| field | type | required | limits | what it is |\n|---|---|---|---|---|"
    return "\n".join([head, *_rows(schema, schema, "")])


def limits_table() -> str:
    """Return the Markdown table of every limit in xo_web.wire.rules, with its value."""
    rows = [f"| {what} | {getattr(rules, name):,} | `{name}` |" for name, what in LIMITS.items()]
    return "\n".join(["| at most | value | name in `xo_web.wire.rules` |", "|---|---|---|", *rows])


def on_files(files: Any, config: Any) -> Any:
    """MkDocs hook: add the generated JSON Schema to the site's files."""
    from mkdocs.structure.files import File

    text = json.dumps(activity_schema(), indent=2, ensure_ascii=False) + "\n"
    files.append(File.generated(config, SCHEMA_FILE, content=text))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs hook: replace the markers with the generated tables."""
    return markdown.replace(FIELDS_MARKER, fields_table()).replace(LIMITS_MARKER, limits_table())


if __name__ == "__main__":
    print(json.dumps(activity_schema(), indent=2, ensure_ascii=False))
