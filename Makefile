# One venv (Python 3.12, the Lambda runtime) holds everything; every target sets it up first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Lambda runs python3.12: prefer pyenv's 3.12 (its shim fails unless selected), else PATH.
PYTHON312 ?= $(shell p=$$(pyenv prefix 3.12.1 2>/dev/null) && echo $$p/bin/python3.12 || command -v python3.12)
SHOPS ?= 20
# The layer's package and the local tools import as they would in Lambda and here.
export PYTHONPATH := $(CURDIR)/layers/shared:$(CURDIR)

.PHONY: setup run test lint fmt simulator clean rds-ca build

$(VENV)/.installed: requirements-dev.txt layers/shared/requirements.txt
	test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Also installs the operator console as .venv/bin/adsync (`adsync --help`).
setup: $(VENV)/.installed $(VENV)/bin/adsync

$(VENV)/bin/adsync: local/console/adsync.sh $(VENV)/.installed
	install -m 755 local/console/adsync.sh $@

## The main job: a full sync cycle on one machine (embedded Postgres unless DATABASE_URL is set).
run: setup
	$(PY) -m local run --shops $(SHOPS)

## Linters, type checks and the whole test suite.
test: setup lint
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## sam build (the layer and functions, arm64) with Python 3.12 first on PATH, as SAM needs.
build: setup
	PATH="$(dir $(PYTHON312)):$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/sam build

simulator: setup
	$(PY) -m local.simulator --port 8765

## Refresh the RDS CA bundle shipped in the layer (needs internet).
rds-ca:
	{ head -4 layers/shared/adsync/certs/rds-global-bundle.pem; \
	  curl -fsS https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem; \
	  for n in 1 2 3 4; do curl -fsS https://www.amazontrust.com/repository/AmazonRootCA$$n.pem; echo; done; \
	} > .rds-ca.tmp && mv .rds-ca.tmp layers/shared/adsync/certs/rds-global-bundle.pem

clean:
	rm -rf $(VENV) .aws-sam .local .pytest_cache .mypy_cache .ruff_cache

## Benchmarks: writes bench/RESULTS.md (about an hour; BENCH_ARGS="--big" adds 10,000 shops).
.PHONY: bench
bench: setup
	$(PY) -m bench $(BENCH_ARGS)

## Mutation check: break each guard on purpose, report killed/survived (a few minutes).
.PHONY: mutants
mutants: setup
	$(PY) -m tools.mutants $(MUTANTS)
