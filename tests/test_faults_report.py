"""The reliability script's scripted run loses nothing and invents nothing."""

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "faults.py"


def load() -> ModuleType:
    """Import scripts/faults.py as a module."""
    spec = importlib.util.spec_from_file_location("faults", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["faults"] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scripted_fault_run_loses_nothing(seed: int) -> None:
    """300 activities under 5xx, aborts, 429, a reload and page hides: all delivered."""
    report = asyncio.run(load().play(seed, 300))
    assert (report["lost"], report["invented"], report["left_in_outbox"]) == (0, 0, 0)
    assert report["accepted"] == 300


@pytest.mark.parametrize(
    "scenario", ["hide-and-close", "two-tabs", "lock-refused", "leave-during-boot"]
)
def test_each_field_scenario_loses_nothing(scenario: str) -> None:
    """Page hides during backoff, two tabs, a refusing lock service: nothing lost or invented."""
    faults = load()
    report = asyncio.run(faults.play(4, 300, scenario))
    assert (report["lost"], report["invented"], report["left_in_outbox"]) == (0, 0, 0)
    assert report["wrong_user"] == 0
    assert faults.failed(report) is False


def test_an_opt_out_with_full_storage_is_kept() -> None:
    """Queued activities, full storage, an opt-out and a reload: the opt-out is still there."""
    report = asyncio.run(load().play(5, 0, "opt-out-full"))
    assert report["opt_out_kept_after_reload"] is True
    assert report["left_in_outbox"] == 0


def test_the_consent_scenario_loses_nothing_and_sends_nothing_before_a_grant() -> None:
    """Held while pending, a grant, a withdrawal, a second grant, a flapping collector: lost 0,
    nothing sent while consent was not granted."""
    faults = load()
    report = asyncio.run(faults.play(6, 400, "consent"))
    assert (report["lost"], report["invented"], report["left_in_outbox"]) == (0, 0, 0)
    assert report["sent_while_not_granted"] == 0
    assert report["held_while_pending"] == 60
    assert faults.failed(report) is False
