"""The readable table: one row per figure, each with its named baseline from the same run.

It reads the report dict that ``cli`` prints as JSON; a part that was not run (``--only``)
or a page the bundle does not support shows as such instead of a number.
"""

from __future__ import annotations

from typing import Any

Row = tuple[str, str, str, str, str]
HEADER: Row = ("figure", "value", "baseline (same run)", "ratio", "target")


def _n(value: Any, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}{unit}"


def _r(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}x"


def boot_rows(boot: dict[str, Any], labels: dict[str, str]) -> list[Row]:
    """Rows of the blocking and time-to-ready figures."""
    rows: list[Row] = []
    for name, entry in boot.items():
        if entry.get("available") is False:
            status = entry.get("status", "not available")
            rows.append((f"boot: {entry['label']}", status, entry["reason"][:90], "", ""))
            continue
        for phase in ("warm", "cold"):
            fig = entry[phase]
            block = fig["blocking_until_ready"] or {}
            vs = fig.get("vs_baseline") or {}
            base = boot.get(vs.get("baseline", ""), {}).get(phase, {})
            base_block = base.get("blocking_until_ready") or {}
            base_label = labels.get(vs.get("baseline", ""), "")
            target = "own ≈ 100 ms" if name == "xo" and phase == "warm" else ""
            rows.append(
                (
                    f"blocking until ready, {phase}: {entry['label']}",
                    f"TBT {_n(block.get('tbt_ms'), ' ms')}"
                    f" (longest {_n(block.get('longest_gap_ms'), ' ms')})",
                    f"{base_label} {_n(base_block.get('tbt_ms'), ' ms')}; own "
                    f"{_n(vs.get('own_tbt_ms_paired'), ' ms')}"
                    if vs
                    else "",
                    _r(vs.get("tbt_ratio_paired")) if vs else "",
                    target,
                )
            )
    for name, entry in boot.items():
        if entry.get("available") is False or not entry.get("baseline"):
            continue
        for phase in ("warm", "cold"):
            fig, vs = entry[phase], entry[phase]["vs_baseline"]
            base = boot[vs["baseline"]][phase]
            target = ""
            if name in ("xo", "pyscript") and phase == "warm":
                target = "≤ 1.15x (stretch 1.08x)"
            if name == "xo-worker" and phase == "warm":
                target = "≤ 1.25x"
            rows.append(
                (
                    f"boot to ready, {phase}: {entry['label']}",
                    _n(fig["ready_ms"], " ms"),
                    f"{labels[vs['baseline']]} {_n(base['ready_ms'], ' ms')}",
                    f"{_r(vs['ready_ratio_paired'])} (of medians "
                    f"{_r(vs['ready_ratio_of_medians'])})",
                    target,
                )
            )
    return rows


CALL_MODES = {
    "stub": "own cost, fetch stubbed",
    "sink": "real fetch to same-origin sink",
    "worker": "xo.js worker mode: the page's share; JS SDK fetch stubbed",
}


def call_rows(calls: dict[str, Any]) -> list[Row]:
    """Rows of the per-call figures (fetch stubbed on both sides; same-origin sink)."""
    rows: list[Row] = []
    for mode, fig in calls.items():
        if not isinstance(fig, dict) or "xo" not in fig:
            continue
        xo, ref = fig["xo"], fig["reference"]
        what = CALL_MODES.get(mode, mode)
        rows.append(
            (
                f"send() µs/call ({what}), span",
                _n(xo["us_per_call"], " µs", 1),
                f"JS SDK {_n(ref['us_per_call'], ' µs', 1)}",
                _r(fig["ratio"]),
                "≤ 5x (stretch 3x)" if mode == "stub" else "",
            )
        )
        rows.append(
            (
                f"send() µs/call ({mode}), heartbeat gap of the loop",
                _n(xo["heartbeat_us_per_call"], " µs", 1),
                f"JS SDK {_n(ref['heartbeat_us_per_call'], ' µs', 1)}",
                _r(fig["heartbeat_ratio"]),
                "",
            )
        )
        if mode in ("sink", "worker"):
            rows.append(
                (
                    "sink: activities received / promises ok (all rounds)",
                    f"{_n(xo.get('sink_received'))} / {_n(xo['promises_ok'])}",
                    f"JS SDK {_n(ref.get('sink_received'))} / {_n(ref['promises_ok'])}"
                    f" ({ref['first_error'] or 'no error'})",
                    "",
                    "",
                )
            )
        rows.append(
            (
                f"blocking after the loop ({mode}: delivery), TBT",
                _n(xo["tbt_after_loop_ms"], " ms"),
                f"JS SDK {_n(ref['tbt_after_loop_ms'], ' ms')}",
                "",
                "",
            )
        )
    return rows


def steps_row(report: dict[str, Any]) -> list[Row]:
    """The second reading of xo_web's own boot blocking (spans), next to the heartbeat's."""
    steps = report.get("boot_steps")
    if not steps:
        return []
    xo = report.get("boot", {}).get("xo", {}).get("warm", {}).get("vs_baseline", {})
    span = steps["span_ms"]
    return [
        (
            "own boot blocking, warm, steps page: sync spans import + install",
            f"{_n(steps['sync_spans_ms'], ' ms')} ({_n(span.get('import_sync'), ' ms')} + "
            f"{_n(span.get('install_sync'), ' ms')})",
            f"heartbeat, xo page: xo - bare TBT {_n(xo.get('own_tbt_ms_paired'), ' ms')}",
            "",
            "≈ 100 ms",
        ),
        (
            "own boot blocking, warm, steps page: sliced imports (xo.js BOOT_MODULES)",
            f"{_n(span.get('sliced_imports'), ' ms')} span, TBT "
            f"{_n(steps.get('sliced_imports_tbt_ms'), ' ms')}",
            f"longest task {_n(steps.get('sliced_imports_longest_gap_ms'), ' ms')}",
            "",
            "",
        ),
        (
            "own boot blocking, warm, steps page: heartbeat TBT after the runtime",
            _n(steps["tbt_after_runtime_ms"], " ms"),
            f"TBT until the runtime is up {_n(steps['tbt_until_runtime_ms'], ' ms')}",
            "",
            "",
        ),
    ]


def other_rows(report: dict[str, Any]) -> list[Row]:
    """Rows of the first-visit bytes and the burst."""
    rows: list[Row] = []
    fv = report.get("first_visit_bytes")
    labels = {
        "bare": "bare Pyodide",
        "xo": "xo.js page (fast-path calls: no pydantic)",
        "pydantic_wheels": "of which pydantic's wheels (on first need only)",
        "pyscript-bare": "bare PyScript (no packages)",
        "pyscript": "PyScript page + xo_web",
        "reference": "official JS SDK page",
    }
    for name, label in labels.items():
        if fv and name in fv:
            entry = fv[name]
            rows.append(
                (
                    f"first-visit bytes on the wire (recipe, br): {label}",
                    _n(entry["wire"]),
                    f"bare Pyodide {_n(fv['bare']['wire'])}; raw {_n(entry['raw'])}",
                    _r(entry.get("ratio_vs_bare")),
                    "≤ 1.10x" if name == "xo" else "",
                )
            )
    for shape, label in (("single", "one send per task"), ("burst10", "10 sends in one task")):
        fig = report.get("tasks", {}).get(shape)
        if fig:
            rows.append(
                (
                    f"send() µs per send, {label} (fetch stubbed, span to the task's end)",
                    f"{_n(fig['xo_us_per_send'], ' µs', 1)}",
                    f"JS SDK {_n(fig['reference_us_per_send'], ' µs', 1)}",
                    _r(fig["ratio"]),
                    "≤ 5x (stretch 3x)",
                )
            )
    burst = report.get("burst")
    if burst:
        rows.append(
            (
                f"burst: {burst['sends_requested']:,} sends (100/task) to the sink",
                f"{_n(burst['delivered'])} delivered of {_n(burst['sends_issued'])}",
                f"{_n(burst['activities_per_second'])} activities/s",
                "",
                "nothing lost",
            )
        )
        rows.append(
            (
                "burst: localStorage peak / after (chars)",
                f"{_n(burst['peak_local_storage_chars'])} / {_n(burst['local_storage_after'])}",
                "",
                "",
                "bounded (2 MiB)",
            )
        )
        before, after = burst["memory_before"], burst["memory_after"]
        rows.append(
            (
                "burst: wasm / JS heap MB, before → after",
                f"{_n(before['wasm_memory_mb'], '', 1)} → {_n(after['wasm_memory_mb'], '', 1)}"
                f" / {_n(before['js_heap_used_mb'], '', 1)} → "
                f"{_n(after['js_heap_used_mb'], '', 1)}",
                f"TBT during burst {_n(burst['tbt_ms'], ' ms')}",
                "",
                "bounded",
            )
        )
    return rows


def table(report: dict[str, Any]) -> str:
    """Return the report as an aligned text table."""
    boot = report.get("boot", {})
    labels = {name: entry["label"] for name, entry in boot.items()}
    plain = {
        name: {**entry, "label": f"{entry['label']} [plain static server]"}
        for name, entry in report.get("boot_plain_server", {}).items()
    }
    plain_labels = {name: entry["label"] for name, entry in plain.items()}
    rows = [
        *boot_rows(boot, labels),
        *boot_rows(plain, plain_labels),
        *steps_row(report),
        *call_rows(report.get("calls", {})),
        *other_rows(report),
    ]
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    rule = "-+-".join("-" * w for w in widths)
    head = " | ".join(c.ljust(w) for c, w in zip(HEADER, widths, strict=True))
    return "\n".join([head, rule, *lines])
