# Lienthong — one entry point for developers, CI and SREs.
# Needs only Python 3.11+ and make; everything else is installed into .venv.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
DATA   ?= .lienthong
PYTEST_ARGS ?=
# `make test`'s worker processes (pytest-xdist; 0: none, in-process): 3 was the fastest on
# the 2-core reference machine, the tests waiting on processes and sockets much of the time.
# --dist loadgroup keeps the tests of one xdist_group on one worker: e2e/conftest.py groups
# those on the platform it starts, which then starts once.
PYTEST_WORKERS ?= 3
RUNS   ?= 5

.DEFAULT_GOAL := help
.PHONY: help install softhsm up status test test-country test-long test-unit test-integration lint proto proto-check proto-release bench e2e e2e-kind e2e-podman images clean helm chart-check

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# A new service folder (its spec.py) is registered, and a changed list of dependencies
# installed, by reinstalling.
$(STAMP): pyproject.toml setup.py libs/lienthong/requirements.txt $(wildcard services/*/spec.py) $(wildcard services/*/requirements.txt)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@$(PY) -m lienthong.devtools.softhsm >/dev/null \
	  || echo "warning: no SoftHSM2 (PKCS#11) for the signing tests: apt-get install softhsm2"
	@$(PY) -m lienthong.devtools.ocrtools >/dev/null \
	  || echo "warning: no tesseract with Vietnamese data for the archive's OCR: apt-get install tesseract-ocr tesseract-ocr-vie"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the platform with its test tools

softhsm: install ## SoftHSM2 for the PKCS#11 tests: the system's, else Debian's packages unpacked into .venv/softhsm (no root)
	$(PY) -m lienthong.devtools.softhsm

up: install ## Start nats-server and every service on SQLite (Ctrl-C stops); SEED=vn-2025[-demo] or vn-2025-sample[-demo] loads the 2025 divisions
	$(BIN)/lienthong up --data-dir $(DATA) $(if $(SEED),--seed $(SEED),)

status: install ## Health of the local platform (JSON)
	$(BIN)/lienthong status --data-dir $(DATA) --json

test: install ## Unit, integration and local end-to-end tests (real NATS, PostgreSQL, gRPC; e2e on the seed vn-2025-sample-demo)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-country: install ## The whole country's 2025 import, in-process (marker country; not in `make test`)
	$(PY) -m pytest -m country $(PYTEST_ARGS)

test-long: install ## The benchmarks that start services, small: national load model, documents, archive (marker long; not in `make test`)
	$(PY) -m pytest -m long $(PYTEST_ARGS)

test-unit: install ## Unit tests only (in-memory)
	$(PY) -m pytest services/*/tests/unit libs/tests/unit $(PYTEST_ARGS)

test-integration: install ## Integration tests (real sockets, SQLite, PostgreSQL, NATS)
	$(PY) -m pytest services/*/tests/integration libs/tests/integration $(PYTEST_ARGS)

e2e: install ## End-to-end tests against a platform started as `make up` does
	$(PY) -m pytest e2e --target local $(PYTEST_ARGS)

lint: install ## ruff, and the layers' import contracts (.importlinter) on the package as it ships
	$(BIN)/ruff check libs services e2e deploy
	$(PY) -m lienthong.devtools.importcheck

helm: install ## A helm binary: the one on PATH, else a pinned Helm 4 fetched once into .venv/bin
	$(PY) -m lienthong.devtools.helmbin

chart-check: install ## The chart: helm lint --strict, helm template, Kubernetes schemas (strict), workload policy
	$(PY) -m lienthong.devtools.chartcheck

proto: install ## Regenerate the Python code of protos/ (commit the result)
	$(PY) -m lienthong.devtools.protogen

proto-check: install ## buf lint (STANDARD) and buf breaking (FILE) against the last release
	$(PY) -m lienthong.devtools.protocheck lint
	$(PY) -m lienthong.devtools.protocheck breaking

proto-release: install ## Record the current contract as the released one (protos/released.binpb)
	$(PY) -m lienthong.devtools.protocheck release

bench: install ## Every benchmark scenario RUNS times (5; SCENARIOS="events dossiers" to choose) as JSON lines, then each figure's spread over the runs (needs PostgreSQL)
	set -e; results=$$(mktemp); trap 'rm -f $$results' EXIT; \
	for scenario in $(or $(SCENARIOS),$$($(PY) -m lienthong.tools.cli.bench)); do \
	  for run in $$(seq $(RUNS)); do \
	    $(BIN)/lienthong bench $$scenario --json | tee -a $$results; done; done; \
	$(PY) -m lienthong.tools.bench.spread $$results

e2e-kind: ## On a workstation with Docker and kind: the e2e suite against the chart on kind
	deploy/kind/e2e.sh

images: install ## Every image the chart runs (services, tools, NATS, PostgreSQL): Docker, else podman from a debootstrap base; TAG=dev
	$(PY) -m lienthong.devtools.images --tag $(or $(TAG),dev)

e2e-podman: install ## Without Docker or Kubernetes: the chart's workloads on podman kube play, the e2e suite and the smoke test against them
	$(PY) -m lienthong.devtools.podman_e2e --tag $(or $(TAG),e2e) $(if $(PYTEST_ARGS),-- $(PYTEST_ARGS),)

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) $(DATA) .pytest_cache .ruff_cache
