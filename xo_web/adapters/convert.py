"""Crossing between JavaScript and Python values for the browser adapters.

This module owns how page arguments become Python values (one ``to_py`` per call, JS ``null``
as None, a depth limit), how answers become JS values (plain objects, not Maps), and how a
send's outcome becomes a JS Promise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import js
from pyodide.ffi import create_once_callable, jsnull, to_js

from xo_web.facade.calls import JsOutcome

MAX_ARGUMENT_DEPTH = 32  # deeper JS arguments stay unconverted and fail validation

_pending_tasks: set[asyncio.Future[None]] = set()


def to_js_value(value: object) -> Any:
    """Convert a Python value for JS: dicts become plain objects (not Maps)."""
    return to_js(value, dict_converter=js.Object.fromEntries)  # plain objects, not Maps


def to_py_argument(value: Any) -> object:
    """Convert a JS argument, at most MAX_ARGUMENT_DEPTH levels deep (a cyclic or deeper
    value keeps JS proxies below that, which validation refuses); JS ``null`` becomes None."""
    if hasattr(value, "to_py"):
        value = value.to_py(depth=MAX_ARGUMENT_DEPTH)
    return (
        _without_jsnull(value, MAX_ARGUMENT_DEPTH)
        if _has_jsnull(value, MAX_ARGUMENT_DEPTH)
        else value
    )


def to_py_arguments(args: Any) -> list[object]:
    """Convert a JS array of arguments in one crossing, each as `to_py_argument` does."""
    if not hasattr(args, "to_py"):
        return [to_py_argument(a) for a in args]
    values = args.to_py(depth=MAX_ARGUMENT_DEPTH + 1)
    if not isinstance(values, list):
        return [to_py_argument(a) for a in args]
    return [
        _without_jsnull(v, MAX_ARGUMENT_DEPTH) if _has_jsnull(v, MAX_ARGUMENT_DEPTH) else v
        for v in values
    ]


def _has_jsnull(value: Any, depth: int) -> bool:
    """True when ``jsnull`` is in `value`, looking `depth` levels down (as `_without_jsnull`)."""
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:
        return value is jsnull
    if depth <= 0:
        return False
    for item in items:
        if item is jsnull:
            return True
        kind = type(item)
        if (kind is dict or kind is list) and _has_jsnull(item, depth - 1):
            return True
    return False


def _without_jsnull(value: Any, depth: int) -> Any:
    if value is jsnull:
        return None
    if depth <= 0:
        return value
    if isinstance(value, dict):
        return {k: _without_jsnull(v, depth - 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_jsnull(v, depth - 1) for v in value]
    return value


_with_resolvers = getattr(js.Promise, "withResolvers", None)  # all current browsers have it


def js_error(error: BaseException) -> Any:
    """The JS error a rejected call's Promise gets: a TypeError for bad input (a held call
    refused by the full validator, as a synchronous call throws), else an Error."""
    if isinstance(error, TypeError | ValueError) and not isinstance(error, OSError):
        return js.TypeError.new(str(error))
    return js.Error.new(str(error))


def promise(awaitable: Awaitable[object]) -> Any:
    """Wrap a Python awaitable in a real JS Promise resolved with a plain JS value.

    A send's outcome (a watchable JsOutcome) settles its Promise from a done callback, with
    no task and no executor callable per send."""
    if _with_resolvers is not None and isinstance(awaitable, JsOutcome) and awaitable.watchable:
        parts = _with_resolvers()
        resolve, reject = parts.resolve, parts.reject

        def fulfil(value: object) -> None:
            try:
                resolve(to_js_value(value))
            except Exception as error:  # as the awaiting path below: rejected, never pending
                reject(js.Error.new(str(error)))

        awaitable.when_done(fulfil, lambda error: reject(js_error(error)))
        return parts.promise

    def executor(resolve: Callable[[Any], None], reject: Callable[[Any], None]) -> None:
        async def settle() -> None:
            try:
                resolve(to_js_value(await awaitable))
            except Exception as error:
                reject(js_error(error))

        task = asyncio.ensure_future(settle())
        _pending_tasks.add(task)
        task.add_done_callback(_pending_tasks.discard)

    return js.Promise.new(create_once_callable(executor))
