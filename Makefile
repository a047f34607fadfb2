# Two commands on a fresh machine with Python 3.11+: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: serve test lint typecheck engine-test image-test docs bench load clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

## serve: set up and start the API on 127.0.0.1:8000 (NETADVISOR_* variables override)
serve: $(STAMP)
	$(BIN)/netadvisor serve

## test: set up, lint, type-check and run every test (engine tests skip without a Docker engine)
test: $(STAMP) lint typecheck
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## docs: regenerate rules/CATALOGUE.md and openapi/openapi.json (tests fail while they are stale)
docs: $(STAMP)
	$(BIN)/python -m service.docs
	$(BIN)/netadvisor openapi --output openapi/openapi.json

## engine-test: start a private Docker engine and run the engine tests against it (root, Debian)
engine-test: $(STAMP)
	bash .ci/engine/run-engine-tests.sh

## image-test: build the service image on a locally made base and check it over HTTP
image-test: $(STAMP)
	bash .ci/engine/image-test.sh

## bench: engine and HTTP benchmarks (ratios against baselines measured in the same run)
bench: $(STAMP)
	command -v wrk >/dev/null || apt-get install -y -q wrk
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/http_bench.py

## load: bounded load on 127.0.0.1 against `netadvisor serve` (1 and 2 workers): req/s, p50/p99, errors, RSS
load: $(STAMP)
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
