.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTHON ?= python3
PYTEST_ARGS ?=
# The OpenID provider the tests run (npm package oidc-provider, pinned by its lock file).
OIDC_DIR := tests/oidc
OIDC_STAMP := $(OIDC_DIR)/node_modules/.package-lock.json
# The accessibility engine the browser tests run over every crawled page (npm axe-core, locked).
AXE_DIR := tests/axe
AXE_STAMP := $(AXE_DIR)/node_modules/.package-lock.json

.PHONY: help venv run test test-deploy lint bench system-deps test-provider clean distclean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

venv: $(STAMP) ## Create .venv and install the project with dev extras (when pyproject changes)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

system-deps: ## Install Chromium, PostgreSQL, wrk, Node.js/npm, nginx, Redis and openssl if missing
	scripts/ensure-system-deps.sh

test-provider: system-deps $(OIDC_STAMP) $(AXE_STAMP) ## Install the tests' OpenID provider and axe-core (npm ci)

$(OIDC_STAMP): $(OIDC_DIR)/package-lock.json
	cd $(OIDC_DIR) && npm ci --no-audit --no-fund

$(AXE_STAMP): $(AXE_DIR)/package-lock.json
	cd $(AXE_DIR) && npm ci --no-audit --no-fund

run: venv ## Migrate, load demo data if empty, serve on 127.0.0.1:$PORT (default 5000)
	$(VENV)/bin/flask --app wsgi db upgrade
	$(VENV)/bin/flask --app wsgi demo-data --if-empty
	$(VENV)/bin/flask --app wsgi run --host 127.0.0.1 --port $${PORT:-5000}

test: venv system-deps test-provider ## Run the test suite (extra pytest options via PYTEST_ARGS=...)
	$(PY) -m pytest $(PYTEST_ARGS)

test-deploy: venv system-deps ## PostgreSQL, Redis, two gunicorn instances and nginx on localhost, tested
	$(PY) -m pytest tests/deploy --deploy -p no:cacheprovider $(PYTEST_ARGS)

lint: venv ## ruff (check and format), bandit, mypy on the services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -r conferences -q
	$(VENV)/bin/mypy

bench: venv system-deps ## Run the benchmarks
	$(PY) -m bench

clean: ## Remove caches and build artefacts (keeps .venv)
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .mypy_cache .hypothesis build dist *.egg-info
	rm -rf $(OIDC_DIR)/node_modules $(AXE_DIR)/node_modules

distclean: clean ## Also remove .venv
	rm -rf $(VENV)
