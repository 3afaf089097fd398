#!/usr/bin/env bash
# `make test`'s two pytest runs, side by side: the CPython suite (unit, collector, server,
# demo) and the Chromium suite (browser, parity, end-to-end, install). They are separate
# processes because sync Playwright keeps an event loop running in its main thread, and they
# share no state (each starts its own servers, PostgreSQL cluster and bundle in temp dirs), so
# running them at once saves the CPython suite's minutes on CI. The CPython log is printed
# after the browser run; either run failing (exit 5, no tests collected, included) fails this.
set -uo pipefail
BIN="${1:-.venv/bin}"
log="$(mktemp -t xo-web-unit.XXXXXX.log)"
"$BIN/pytest" -m "not browser" >"$log" 2>&1 &
unit_pid=$!
"$BIN/pytest" -m browser
browser=$?
wait "$unit_pid"
unit=$?
echo "---- CPython suite (pytest -m 'not browser'), exit $unit ----"
cat "$log"
rm -f "$log"
echo "browser suite exit $browser, CPython suite exit $unit"
[ "$browser" -eq 0 ] && [ "$unit" -eq 0 ]
