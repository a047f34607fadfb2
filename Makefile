# Two commands on a fresh machine with Python 3.11+: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# One stamp per install set, named after the files that decide it: editing pyproject.toml or
# constraints.txt reinstalls; `serve` installs only the runtime set, `test` the dev set on top of it.
DEPS_SUM := $(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
RUNTIME := $(VENV)/.runtime-$(DEPS_SUM)
DEV := $(VENV)/.dev-$(DEPS_SUM)
PIP := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
# Targets, not files: `bench/` is a directory, so without this `make bench` was always "up to date".
.PHONY: serve test lint typecheck docs engine-test image-test bench load clean

# The venv is rebuilt, not reused, unless its python runs, is 3.11+ and has pip: a first `make` that failed
# (too old a Python, no ensurepip/python3-venv, an interrupted install) heals on the next run.
VENV_OK := $(shell test -x $(BIN)/pip && $(BIN)/python -c 'import sys; print(sys.version_info >= (3, 11))' 2>/dev/null)
ifneq ($(VENV_OK),True)
.PHONY: $(BIN)/python
endif
$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "netadvisor needs Python 3.11+; run make PYTHON=python3.11")'
	$(PYTHON) -m venv --clear $(VENV) || { rm -rf $(VENV); exit 1; }
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip

$(RUNTIME): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	rm -f $(VENV)/.runtime-* && touch $(RUNTIME)

$(DEV): $(RUNTIME)
	$(PIP) -e '.[dev]'
	rm -f $(VENV)/.dev-* && touch $(DEV)

## serve: set up and start the API on 127.0.0.1:8000 (NETADVISOR_* variables override)
serve: $(RUNTIME)
	$(BIN)/netadvisor serve

## test: set up, lint, type-check and run every test (engine tests skip without a Docker engine)
test: $(DEV) lint typecheck
	$(BIN)/pytest

lint: $(DEV)
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

typecheck: $(DEV)
	$(BIN)/mypy

## docs: regenerate rules/CATALOGUE.md, openapi/openapi.json and README.md's request fields table (tests fail while stale)
docs: $(DEV)
	$(BIN)/python -m service.docs
	$(BIN)/netadvisor openapi --output openapi/openapi.json

## engine-test: start a private Docker engine and run the engine tests against it (root, Debian)
engine-test: $(DEV)
	bash .ci/engine/run-engine-tests.sh

## image-test: build the service image on a locally made base and check it over HTTP
image-test: $(DEV)
	bash .ci/engine/image-test.sh

## stack-test: docker-stack.yml on the engine's single-node swarm: 3 healthy replicas, a rolling update
## under load, 0 failed requests (uses the image `make image-test` builds)
stack-test: $(DEV)
	bash -c 'eval "$$(bash .ci/engine/start.sh)" && $(BIN)/python .ci/engine/stack-rollout.py'

## bench: engine and HTTP benchmarks (ratios against baselines measured in the same run)
bench: $(DEV)
	command -v wrk >/dev/null || apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk)
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/http_bench.py

## load: bounded load on 127.0.0.1 against `netadvisor serve` (1 and 2 workers): req/s, p50/p99, errors, RSS
load: $(DEV)
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
