"""JSON as the collector receives it: byte-identical to the JS SDK's ``JSON.stringify``.

This module owns every text computation on the wire: encoding a value (`dumps`, with JavaScript
number formatting), the UTF-8 length of a text, the size of a JSON array from the sizes of its
items, and strict decoding (`loads_strict`, which refuses the NaN/Infinity constants that
Python's json module would otherwise accept). The SDK and the demo collector both use it.
"""

import json
import math
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from json import encoder as json_encoder
from typing import Any

_c_make_encoder: Any = getattr(json_encoder, "c_make_encoder", None)  # None without _json


def utf8_len(text: str) -> int:
    """Return the size of `text` in UTF-8 bytes (lone surrogates count as one replacement)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", errors="replace"))


def json_array_size(item_sizes: Sequence[int]) -> int:
    """Return the UTF-8 size of a compact JSON array whose items have `item_sizes` bytes."""
    return 2 + sum(item_sizes) + max(len(item_sizes) - 1, 0)


def serialized_size(value: object) -> int:
    """Return the size in UTF-8 bytes of `value` as compact JSON, as it goes on the wire."""
    return utf8_len(dumps(value))


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def loads_strict(text: str | bytes) -> object:
    """Parse JSON text, refusing NaN, Infinity and -Infinity (ValueError), as browsers do."""
    return json.loads(text, parse_constant=_refuse_constant)


def dumps(value: object) -> str:
    """Serialize `value` as the JS SDK's ``JSON.stringify`` would: compact, UTF-8, no NaN.

    Floats are written as JavaScript writes numbers (``10.0`` → ``10``, ``1e-06`` →
    ``0.000001``), so a body is byte-identical to the official SDK's for the same input.
    """
    return "".join(_encode(value))


def _encode(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield json.dumps(value, ensure_ascii=False)
    elif value is None or isinstance(value, bool):
        yield "null" if value is None else ("true" if value else "false")
    elif isinstance(value, int):
        yield str(value)
    elif isinstance(value, float):
        yield js_number(value)
    elif isinstance(value, dict):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"keys must be strings, not {type(key).__name__}")
            yield ("," if index else "") + json.dumps(key, ensure_ascii=False) + ":"
            yield from _encode(item)
        yield "}"
    elif isinstance(value, (list, tuple)):
        yield "["
        for index, item in enumerate(value):
            if index:
                yield ","
            yield from _encode(item)
        yield "]"
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _python_encoder() -> Callable[[object], str]:
    encoder = json.JSONEncoder(
        separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=False
    )
    return encoder.encode


def _not_json(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _c_encoder() -> Callable[[object], str]:
    if _c_make_encoder is None:  # pragma: no cover (CPython and Pyodide both have _json)
        return _python_encoder()
    strings = json_encoder.encode_basestring
    chunks = _c_make_encoder(None, _not_json, strings, None, ":", ",", False, False, False)

    def encode(value: object) -> str:
        return "".join(chunks(value, 0))

    return encode


compact: Callable[[object], str] = _c_encoder()
"""Encode JSON-able `value` with the C encoder, compact, like `dumps` — provided every float
in it is plain (`plain_float`): the C encoder writes floats with ``repr``."""


def plain_float(number: float) -> bool:
    """True when ``repr(number)`` is how JavaScript writes it too: finite, not integral, and
    between 1e-4 and 1e16 in size (neither writes an exponent there, and both write the
    shortest digits that round-trip)."""
    return 1e-4 <= abs(number) < 1e16 and not number.is_integer()


def js_number(number: float) -> str:
    """Return ``String(number)`` as JavaScript (ECMAScript Number::toString) writes it."""
    if not math.isfinite(number):
        raise ValueError(f"{number!r} is not a JSON number")
    if number == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(number)).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    exponent += len(digits) - len(text)
    k = len(text)
    n = exponent + k  # the value is 0.<text> x 10**n
    if k <= n <= 21:
        out = text + "0" * (n - k)
    elif 0 < n <= 21:
        out = f"{text[:n]}.{text[n:]}"
    elif -6 < n <= 0:
        out = "0." + "0" * -n + text
    else:
        mantissa = text if k == 1 else f"{text[0]}.{text[1:]}"
        out = f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return ("-" if sign else "") + out
