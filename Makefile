# The front door: `make demo` and `make test` each set up everything they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUNDLE := build/xo
STAMP := .cache/stamps
# The bundle's downloads (npm tarballs, wheels): a cache inside the checkout, not the user's.
XO_CACHE := .cache/xo-web

.PHONY: setup bundle demo test unit browser lint format bench bench-server clean load docs docs-serve

setup: $(STAMP)/venv $(STAMP)/npm $(STAMP)/runtime $(STAMP)/browser ## venv + dev extras, npm ci, the bundle's runtime and wheels, Chromium

$(STAMP)/venv: pyproject.toml
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,docs]'
	@touch $@

$(STAMP)/npm: package.json package-lock.json
	@mkdir -p $(STAMP)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STAMP)/runtime: xo_web/bundler/pins.py $(STAMP)/venv
	$(BIN)/xo-web fetch --cache $(XO_CACHE)
	@touch $@

$(STAMP)/browser: playwright.config.py $(STAMP)/venv
	$(BIN)/python scripts/ensure_browser.py
	@touch $@

bundle: setup ## build the static bundle into build/xo (served under /xo/)
	$(BIN)/xo-web build $(BUNDLE) --base-url /xo/ --cache $(XO_CACHE) --offline

demo: bundle ## serve the demo on http://127.0.0.1:8000
	$(BIN)/python -m demo --host 127.0.0.1 --port 8000 --bundle $(BUNDLE)

lint: setup ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: setup ## CPython tests only (fast)
	$(BIN)/pytest -m "not browser"

# A separate run: sync Playwright keeps an event loop running in the main thread for the whole
# session, which the CPython tests' asyncio.run() must not meet.
browser: setup ## the tests that drive Chromium (browser, parity, end-to-end)
	$(BIN)/pytest -m browser

test: setup lint docs ## everything: lint, the docs site (--strict), the CPython and the browser tests side by side (scripts/test_suites.sh)
	bash scripts/test_suites.sh $(BIN)

# The docs site: docs/ with MkDocs Material; the activity reference and its JSON Schema are
# generated from the code at build time (scripts/docs_reference.py, docs_refusals.py). A broken
# link, a missing page or a bad API reference fails the build.
docs: setup ## build the docs site into build/site (--strict)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

docs-serve: setup ## serve the docs site on http://127.0.0.1:8001, rebuilt on change
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf build .cache/stamps

bench: bundle ## benchmark vs bare Pyodide and the JS SDK in headless Chromium: table + JSON (BENCH_ARGS="--runs 3")
	$(BIN)/python -m scripts.bench $(BENCH_ARGS)

bench-server: setup ## xo_web.server vs segment-analytics-python and posthog, one local sink (BENCH_SERVER_ARGS="--count 2000")
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,server,bench]'
	$(BIN)/python -m scripts.bench_server $(BENCH_SERVER_ARGS)

faults: setup ## reliability report: 1,000 activities under injected failures (pure core)
	$(BIN)/python scripts/faults.py

load: $(STAMP)/venv ## load the demo collector on 127.0.0.1 at 10,000 then 100,000 rows (~1 min; LOAD_ARGS="--seconds 10")
	$(BIN)/python scripts/load.py $(LOAD_ARGS)
