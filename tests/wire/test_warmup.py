"""Tests of when the validators are built: not at import, in idle steps, or on first use."""

import json
import subprocess
import sys
from collections.abc import Callable

import pytest

import xo_web.wire
from xo_web.errors import ValidationError
from xo_web.wire import parsing
from xo_web.wire.warmup import warm_in_background, warm_steps

# Runs in a fresh interpreter: what importing and booting leave imported and built.
PROBE = """
import json
import xo_web
from xo_web.tracker import Tracker
from xo_web.testing import MemoryStorage, MockTransport
tracker = Tracker(MemoryStorage(), MockTransport())
tracker.init("key")
from xo_web.wire import models
MODELS = (models.Metadata, models.User, models.Activity)
print(json.dumps([m.__pydantic_complete__ for m in MODELS]))
"""

# Runs in a fresh interpreter: the error of an invalid activity, validators built (or not)
# by the warm-up steps first.
ERROR_PROBE = """
import sys
from xo_web.wire import parse_activity
from xo_web.wire.warmup import warm_steps
if sys.argv[1] == "warm":
    for step in warm_steps():
        step()
for bad in ({"action": "", "target": {}}, {"action": "a", "target": {"k": 1}},
            {"action": "a", "target": {}, "metadata": {"price": "x"}},
            {"action": "a", "target": {}, "user": {"segments": []}}):
    try:
        parse_activity(bad)
    except Exception as error:
        print(type(error).__name__, error.field, str(error))
"""


def run(code: str, *args: str) -> str:
    """Run ``code`` in a fresh interpreter and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_booting_a_tracker_builds_no_model() -> None:
    """Importing xo_web, making a Tracker and init() build none of the models' validators."""
    assert json.loads(run(PROBE)) == [False, False, False]


def test_validators_built_in_advance_give_the_same_errors() -> None:
    """Warm-up-built validators and first-use-built ones reject with identical errors."""
    cold = run(ERROR_PROBE, "cold")
    assert cold.count("ValidationError") == 4
    assert run(ERROR_PROBE, "warm") == cold


def test_warm_up_runs_one_step_per_scheduled_call() -> None:
    """Each scheduled call runs one step and schedules the next, until none is left."""
    scheduled: list[Callable[[], None]] = []
    warm_in_background(lambda delay, callback: scheduled.append(callback))
    runs = 0
    while scheduled:
        scheduled.pop(0)()
        runs += 1
    assert runs == len(list(warm_steps())) + 1  # the last call finds nothing left
    models = sys.modules["xo_web.wire.models"]
    assert all(m.__pydantic_complete__ for m in (models.Metadata, models.User, models.Activity))


def test_a_failing_step_ends_the_warm_up_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step that raises stops the warm-up without raising into the event loop."""

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("xo_web.wire.warmup.warm_steps", lambda: iter([broken, broken]))
    scheduled: list[Callable[[], None]] = []
    warm_in_background(lambda delay, callback: scheduled.append(callback))
    scheduled.pop(0)()
    assert scheduled == []


def test_a_deferred_entry_point_behaves_as_the_real_one() -> None:
    """A stand-in handed out before parsing was imported validates and raises the same."""
    stand_in = xo_web.wire._deferred("parse_segments")
    assert stand_in(["a", "b"]) == parsing.parse_segments(["a", "b"])
    with pytest.raises(ValidationError) as caught:
        stand_in(["a", ""])
    with pytest.raises(ValidationError) as expected:
        parsing.parse_segments(["a", ""])
    assert str(caught.value) == str(expected.value)
    assert caught.value.field == expected.value.field


def test_the_package_resolves_the_real_functions_once_parsing_is_imported() -> None:
    """After parsing is imported, xo_web.wire hands out its own functions, not stand-ins."""
    assert xo_web.wire.parse_activity is parsing.parse_activity
    assert xo_web.wire.Activity is sys.modules["xo_web.wire.models"].Activity
    with pytest.raises(AttributeError):
        _ = xo_web.wire.no_such_name


def test_other_idle_work_runs_on_the_same_schedule() -> None:
    """Given steps, the warm-up runs those, one per scheduled call, in order."""
    done: list[int] = []
    scheduled: list[Callable[[], None]] = []
    warm_in_background(
        lambda delay, callback: scheduled.append(callback),
        steps=[lambda: done.append(1), lambda: done.append(2)],
    )
    scheduled.pop(0)()
    assert done == [1]
    while scheduled:
        scheduled.pop(0)()
    assert done == [1, 2]


def test_the_warm_up_imports_pydantic_one_step_at_a_time() -> None:
    """Taking the warm-up's steps imports nothing; pydantic comes in only as steps run."""
    code = (
        "import sys\n"
        "from xo_web.wire.warmup import MODEL_IMPORTS, warm_steps\n"
        "steps = warm_steps()\n"
        "first = [next(steps) for _ in MODEL_IMPORTS]\n"
        "assert 'pydantic' not in sys.modules\n"
        "for step in first:\n"
        "    step()\n"
        "assert 'pydantic.main' in sys.modules\n"
        "assert 'xo_web.wire.models' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
