"""The run: options, the reference SDK build, the server and browser, the parts, the output.

Prints the readable table, then one JSON object (also written to ``--json PATH``). Exits 0
whatever the figures; 2 without a bundle; 3 when a request tried to leave 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from scripts.bench import boot, burst, calls, catalog, firstvisit, report, steps, tasks
from scripts.bench.browser import ROOT, Session, launch_options
from scripts.bench.server import serve
from xo_web.bundler.compress import compress_tree

PARTS = ("boot", "plain", "steps", "calls", "tasks", "burst")
TARGETS = {
    "xo_own_blocking_warm_ms": "≈ 100 on top of bare Pyodide's",
    "boot_ratio_warm": "≤ 1.15 (stretch 1.05)",
    "send_own_cost_ratio_stub": "≤ 5 (stretch 3)",
    "worker_boot_ratio_warm": "≤ 1.25 (bench server and plain server)",
    "first_visit_wire_ratio": "≤ 1.10 (all calls on the fast path)",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__)
    parser.add_argument("--bundle", type=Path, default=ROOT / "build" / "xo")
    parser.add_argument("--runs", type=int, default=5, help="rounds per figure (median)")
    parser.add_argument("--calls", type=int, default=2000, help="send() calls per round")
    parser.add_argument("--burst", type=int, default=10_000, help="sends in the burst")
    parser.add_argument("--burst-budget", type=float, default=45.0, help="s to issue the burst")
    parser.add_argument("--only", default=",".join(PARTS), help=f"subset of {','.join(PARTS)}")
    parser.add_argument("--json", type=Path, help="also write the JSON report here")
    return parser


def build_reference(out_dir: Path) -> None:
    """Bundle the official JS SDK from node_modules (scripts/build-reference-sdk.mjs)."""
    script = ROOT / "scripts" / "build-reference-sdk.mjs"
    target = out_dir / "attraqt-activity.js"
    subprocess.run(
        ["node", str(script), str(target)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL
    )


def _commit() -> str | None:
    """Return the repository's HEAD commit (short), or None outside git."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() or None


def _run_parts(
    session: Session, args: argparse.Namespace, parts: set[str], bundle: Path, reference: Path
) -> dict[str, Any]:
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[bench {time.monotonic() - started:5.0f}s] {message}", file=sys.stderr)

    manifest = catalog.read_manifest(bundle)
    out: dict[str, Any] = {}
    if "boot" in parts:
        pages = [p for p in catalog.BOOT_PAGES if catalog.available(p, manifest)]
        log(f"boot: {', '.join(p.name for p in pages)}, cold and warm, {args.runs} rounds")
        runs = boot.run_boot(session, pages, args.runs, log)
        out["boot"] = boot.summarise(pages, runs)
        for page in catalog.BOOT_PAGES:
            if page not in pages:
                reason = f'bundle.json has no "{page.requires}": true'
                out["boot"][page.name] = {
                    "label": page.label,
                    "available": False,
                    "status": "not available",
                    "reason": reason,
                }
        roots = {"/xo/": bundle, "/bench/": catalog.PAGES_DIR, "/reference/": reference}
        paths = {name: r.first_visit_paths for name, r in runs.items()}
        wire = session.server.traffic.wire_bytes
        out["first_visit_bytes"] = firstvisit.first_visit(paths, roots, wire)
    if "plain" in parts:
        names = catalog.PLAIN_BOOT_PAGES
        pages = [p for p in catalog.BOOT_PAGES if p.name in names]
        pages = [p for p in pages if catalog.available(p, manifest)]
        log(f"boot under a plain static server: {', '.join(p.name for p in pages)}")
        with serve(catalog.PAGES_DIR, bundle, reference, plain=True) as plain_server:
            plain_session = Session(session.browser, plain_server)
            runs = boot.run_boot(plain_session, pages, args.runs, log)
            session.escaped.extend(plain_session.escaped)
        out["boot_plain_server"] = boot.summarise(pages, runs)
    if "steps" in parts:
        log(f"steps: xo.js's boot step by step, warm, {args.runs} runs")
        out["boot_steps"] = steps.run_steps(session, args.runs, log)
    if "calls" in parts:
        out["calls"] = {}
        for mode in catalog.CALL_PAGES:
            log(f"calls ({mode}): {args.calls} sends per round, {args.runs} rounds")
            out["calls"][mode] = calls.run_calls(session, mode, args.runs, args.calls, log)
    if "tasks" in parts:
        log(f"tasks: one send per task and 10 per task, {tasks.TASKS} tasks, {args.runs} rounds")
        out["tasks"] = tasks.run_tasks(session, args.runs, log)
    if "burst" in parts:
        log(f"burst: {args.burst} sends to the sink")
        out["burst"] = burst.run_burst(session, args.burst, args.burst_budget)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the bench; print the table and the JSON report."""
    args = _parser().parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if not parts <= set(PARTS):
        print(f"--only takes a subset of {','.join(PARTS)}", file=sys.stderr)
        return 2
    bundle = args.bundle.resolve()
    if not (bundle / "xo.js").is_file():
        print(f"{bundle} is not a built bundle: run `make bundle`", file=sys.stderr)
        return 2
    started = time.monotonic()
    commit = _commit()
    load_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="xo-bench-") as tmp:
        reference = Path(tmp) / "reference"
        build_reference(reference)
        compress_tree(reference)  # served compressed, as the bundle is
        isolated = frozenset(catalog.isolated_files())
        with (
            serve(catalog.PAGES_DIR, bundle, reference, isolated) as server,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(**launch_options())
            session = Session(browser, server)
            figures = _run_parts(session, args, parts, bundle, reference)
            version = browser.version
            browser.close()
    result: dict[str, Any] = {
        "browser": f"chromium {version}",
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_start": load_start,
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        },
        "bundle": {"dir": str(bundle), **catalog.read_manifest(bundle)},
        "commit_at_start": commit,
        "runs": args.runs,
        **figures,
        "targets": TARGETS,
        "network_guard": {"ok": not session.escaped, "attempts": session.escaped},
        "seconds": round(time.monotonic() - started, 1),
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(report.table(result))
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0 if not session.escaped else 3
