# Front Desk: `make run` starts the receptionist, `make test` runs the whole suite.
# Both set everything up first (a Python 3.10 virtual environment with pinned packages, the
# Debian packages the tests need), and retrain the dialogue model only when its data changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
STAMPS    := .stamps
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup run test test-fast lint bench model system-packages clean

help:
	@echo "make run    - set up if needed, train if the training data changed, start the receptionist"
	@echo "make test   - set up if needed, run the whole test suite"
	@echo "make bench  - run the benchmarks (bench/), figures in bench/results/"
	@echo "make lint   - ruff"

setup: $(STAMPS)/venv

$(STAMPS)/venv: requirements.lock pyproject.toml
	@mkdir -p $(STAMPS)
	@test -x $(PY) || "$$(bash scripts/find-python310.sh)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade 'pip<26' 'setuptools<70.4' wheel
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

system-packages: $(STAMPS)/system-packages

$(STAMPS)/system-packages: scripts/system-packages.sh
	@mkdir -p $(STAMPS)
	bash scripts/system-packages.sh
	@touch $@

# The model is retrained only when config, domain or training data changed (their hash).
model: setup
	@$(PY) -m bot.training --ensure

run: setup model
	$(VENV)/bin/receptionist run

# The suite runs as stages, one line each with its result and time (scripts/test_stages.py): the
# dialogue model (trained only if its inputs changed), the NLU gate on the held-out sets (the NLU
# part of that very model), the training data, the end-to-end test stories (every turn's intent
# and the action Rasa runs: one wrong prediction fails), lint, and pytest (some tests start the
# real Rasa servers on that model). A failed stage prints its reason; full logs in results/stages/.
test: setup system-packages
	@export RECEPTIONIST_TEST_PG_URL="$$(bash scripts/postgres.sh)" && $(PY) scripts/test_stages.py

lint: setup
	$(VENV)/bin/ruff check .

bench: setup model
	$(PY) -m bench.resolve_bench
	$(PY) -m bench.dialogue_bench
	$(PY) -m bench.console_bench
	@export RECEPTIONIST_TEST_PG_URL="$$(bash scripts/postgres.sh)" && $(PY) -m bench.scale_bench

clean:
	rm -rf $(STAMPS) var models/*.tar.gz results
