"""Building the wire validators in idle time after boot, one small task at a time.

Booting the SDK builds no validator (see `xo_web.wire`): the first `send` or setter would build
what it needs on the spot. `warm_in_background()` builds them before that happens, each model
and then the `parsing` module's adapters as its own task scheduled with `call_later` (in
Pyodide a `setTimeout`), starting a quarter second after boot (what a page does right at ready
goes first), so the page's own tasks run between them and no single task holds the main
thread for long. A step that finds its work done (a call got there first) does nothing;
a step that fails ends the warm-up quietly, and the first use raises the real error. Other
idle work can use the same scheduling (``steps``): xo.js's deferred pyodide-http patch does.
"""

import asyncio
import importlib
from collections.abc import Callable, Iterable, Iterator

CallLater = Callable[[float, Callable[[], None]], object]

GAP_S = 0.0  # between steps: 0 still yields to the page (one task each)
START_S = 0.25  # before the first: the calls a page makes right at ready come first


def warm_steps() -> Iterator[Callable[[], object]]:
    """Yield the warm-up steps in order: each model's build, then the parsing adapters."""
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
