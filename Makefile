# Avatar Creator. `make run` starts the app, `make test` runs the whole suite (see README.md).
# The shell logic lives in .ci/*.sh; this file only wires targets together.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip -q --disable-pip-version-check
STAMP     := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.DEFAULT_GOAL := help
.PHONY: help run init test bench lint screenshots clean venv dev cluster cluster-stop

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t14

# Runtime environment: re-installed only when the requirements or pyproject change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -r requirements.txt
	PYTHONWARNINGS=ignore $(PIP) install -e . --no-deps
	@touch $@

# Test and tooling environment on top of the runtime one.
$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(PIP) install -r requirements-dev.txt
	@touch $@

# axe-core for the accessibility checks of the browser suite (read by tests/e2e/axe.py).
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js
$(AXE):
	@if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core@4; \
	else echo "npm not found: the axe-core browser test cannot run (apt-get install npm)"; fi

venv: $(STAMP)  ## create .venv with the runtime dependencies
dev: $(DEV_STAMP) $(AXE)  ## create .venv with the test and tooling dependencies (and axe-core)

run: $(STAMP)  ## set up, migrate + seed, serve on http://127.0.0.1:7860
	$(VENV)/bin/avatar-creator init
	$(PY) app.py

init: $(STAMP)  ## migrate + seed the database, create the admin from .env
	$(VENV)/bin/avatar-creator init

test:  ## system packages + .venv + throwaway PostgreSQL, then the whole suite (ARGS=... for pytest)
	@.ci/test.sh $(ARGS)

bench: $(DEV_STAMP)  ## run every bench/bench_*.py (each prints a table)
	@set -e; found=0; for f in bench/bench_*.py; do \
	  [ -e "$$f" ] || continue; found=1; echo "== $$f"; PYTHONPATH=. $(PY) "$$f"; echo; \
	done; [ $$found = 1 ] || echo "no benchmarks in bench/"

cluster: $(DEV_STAMP)  ## PostgreSQL + S3 (moto) + 2 app processes + nginx on 127.0.0.1:8080, in the background
	@.ci/system-deps.sh >/dev/null
	$(PY) scripts/cluster.py start $(ARGS)

cluster-stop:  ## stop everything `make cluster` started
	$(PY) scripts/cluster.py stop

lint: $(DEV_STAMP)  ## ruff + mypy + import contracts (also run by `make test`)
	$(VENV)/bin/ruff check avatar_core tests app.py bench deploy scripts
	$(VENV)/bin/ruff format --check avatar_core tests app.py bench deploy scripts
	$(VENV)/bin/mypy avatar_core tests
	$(VENV)/bin/lint-imports --no-cache

screenshots: $(DEV_STAMP)  ## regenerate docs/screenshot-*.png with the browser
	$(PY) -m tests.e2e.screenshots

clean:  ## remove .venv and caches (keeps data/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis build *.egg-info test-results
	find . -name __pycache__ -type d -not -path './data/*' -prune -exec rm -rf {} +
