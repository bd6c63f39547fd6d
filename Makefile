# The two README commands: `make run` (dev server + simulator) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test test-clock lint check bench stress clean

# `make run` needs the runtime only (the simulator is Flask, already a dependency);
# `make test` adds the dev extras (test, lint and browser tooling: ~7x the size).
$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(PY) -m skill serve --dev --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

check: $(VENV)/.installed
	$(PY) -m skill check

test: lint check
	$(PY) -m pytest -n 2

# Issue 18: the whole suite again at a pinned night hour, a pinned day hour and in a zone
# far from UTC, so a test that only passes in daytime, or only in UTC, fails here. Every
# Python process of the run (pytest, xdist workers, the servers and CLIs the tests start)
# travels with time-machine through tests/support/timetravel/sitecustomize.py; see there
# why not libfaketime. CI runs it after `make test`.
TRAVEL := PYTHONPATH=$(CURDIR)/tests/support/timetravel
CLOCK_PYTEST := $(PY) -m pytest -n 2 -p no:cacheprovider
test-clock: $(VENV)/.installed
	$(TRAVEL) TIME_TRAVEL_TO=2026-12-02T03:00:00+00:00 $(CLOCK_PYTEST)
	$(TRAVEL) TIME_TRAVEL_TO=2026-12-02T15:00:00+00:00 $(CLOCK_PYTEST)
	$(TRAVEL) TIME_TRAVEL_TO=2026-12-02T11:30:00+13:00 TZ=Pacific/Auckland $(CLOCK_PYTEST)

bench: $(VENV)/.installed
	$(PY) -m benchmarks

stress: $(VENV)/.installed
	$(PY) -m tests.stress --cases 10000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
