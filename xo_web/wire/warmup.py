"""Building the wire validators in idle time after boot, one small task at a time.

Booting the SDK imports no pydantic and builds no validator (see `xo_web.wire`); in the browser
pydantic's wheels are not even loaded at boot (xo_web.adapters.validation loads them on first
need, then runs these steps one per task before the held calls). Where pydantic is there from
the start (a PyScript page that lists it), `warm_in_background()` builds the validators before
the first `send` of an uncommon shape or the first error would: each of pydantic's modules,
each model and then the `parsing` module's adapters as its own task scheduled with
`call_later` (in Pyodide a `setTimeout`), starting a quarter second after boot (what a page
does right at ready goes first), so the page's own tasks run between them and no single task
holds the main thread for long. A step
that finds its work done (a call got there first) does nothing; a step that fails ends the
warm-up quietly, and the first use raises the real error. Other idle work can use the same
scheduling (``steps``): xo.js's deferred pyodide-http patch does.
"""

import asyncio
import importlib
from collections.abc import Callable, Iterable, Iterator

from xo_web.core.imports import import_step

CallLater = Callable[[float, Callable[[], None]], object]

GAP_S = 0.0  # between steps: 0 still yields to the page (one task each)
START_S = 0.25  # before the first: the calls a page makes right at ready come first


# What importing the models imports (pydantic and its dependencies), children before parents,
# recorded in the bundle's Pyodide the way scripts/boot_order.py records the boot (these are
# the names its list lost when the boot stopped importing pydantic): one module body per task.
# A stale list only makes the slices less even (a missing name is imported by the next one
# that needs it; a failing one is skipped).
MODEL_IMPORTS = (
    "typing_extensions",
    "pydantic_core._pydantic_core",
    "fractions",
    "pydantic_core.core_schema",
    "pydantic_core",
    "pydantic.version",
    "pydantic.warnings",
    "pydantic._migration",
    "typing_inspection",
    "typing_inspection.typing_objects",
    "typing_inspection.introspection",
    "pydantic._internal",
    "pydantic._internal._contextlib",
    "pydantic._internal._namespace_utils",
    "pydantic._internal._typing_extra",
    "pydantic._internal._repr",
    "pydantic.errors",
    "pydantic",
    "pydantic._internal._import_utils",
    "pydantic._internal._utils",
    "pydantic._internal._type_refs",
    "pydantic._internal._decorators",
    "pydantic._internal._forward_ref",
    "pydantic._internal._generics",
    "pydantic.annotated_handlers",
    "pydantic.functional_validators",
    "pydantic.aliases",
    "pydantic.config",
    "pydantic._internal._config",
    "pydantic._internal._docs_extraction",
    "pydantic._internal._fields",
    "pydantic.plugin",
    "pydantic.plugin._schema_validator",
    "pydantic._internal._mock_val_ser",
    "sysconfig",
    "zoneinfo._tzpath",
    "zoneinfo._common",
    "_zoneinfo",
    "zoneinfo",
    "pydantic._internal._core_metadata",
    "pydantic._internal._core_utils",
    "pydantic._internal._schema_generation_shared",
    "pydantic.json_schema",
    "pydantic._internal._discriminated_union",
    "pydantic._internal._known_annotated_metadata",
    "pydantic._internal._schema_gather",
    "pydantic._internal._generate_schema",
    "pydantic._internal._signature",
    "pydantic._internal._model_construction",
    "pydantic.main",
    "annotated_types",
    "pydantic._internal._validators",
    "_hmac",
    "hmac",
    "secrets",
    "pydantic.types",
    "pydantic.fields",
)


def warm_steps() -> Iterator[Callable[[], object]]:
    """Yield the warm-up steps in order: pydantic's modules one by one, each model's build,
    then the parsing adapters."""
    for name in MODEL_IMPORTS:
        yield import_step(name)
    models = importlib.import_module("xo_web.wire.models")
    yield from models.build_steps()
    yield lambda: importlib.import_module("xo_web.wire.parsing")


def warm_in_background(
    call_later: CallLater | None = None,
    *,
    gap_s: float = GAP_S,
    start_s: float = START_S,
    steps: Iterable[Callable[[], object]] | None = None,
) -> None:
    """Run the warm-up steps (or ``steps``) one per task through ``call_later`` (default:
    the event loop's)."""
    later = call_later or asyncio.get_event_loop().call_later
    steps = iter(warm_steps() if steps is None else steps)

    def step() -> None:
        try:
            next(steps)()
        except Exception:  # StopIteration included: done, or first use will raise
            return
        later(gap_s, step)

    later(start_s, step)
