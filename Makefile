# The two commands that matter: `make run` and `make test`. Everything they need is
# installed on first use into .venv (nox and uv); nox builds the rest.

PYTHON ?= python3
VENV := .venv
NOX := $(VENV)/bin/nox

# pyenv's shims answer only for the versions named in PYENV_VERSION; name every
# installed CPython 3, newest first, so nox finds 3.7 to 3.13 side by side.
PYENV_ALL := $(shell pyenv versions --bare 2>/dev/null | grep -E '^3\.[0-9]+\.[0-9]+$$' \
	| sort -t. -k2,2nr | paste -sd: -)
ifneq ($(PYENV_ALL),)
export PYENV_VERSION := $(PYENV_ALL)
endif
export UV_PYTHON_DOWNLOADS := never

.DEFAULT_GOAL := help
.PHONY: help run test lint typecheck unit e2e pipeline bench requirements clean

help: ## List the targets.
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

$(NOX):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet 'nox[uv]>=2024.10.9'
	@touch $(NOX)

run: $(NOX) ## Serve the app on http://localhost:5000/home.
	$(NOX) -s serve

test: $(NOX) ## Every check: lint, types, unit tests on each Python, e2e, pipeline.
	$(NOX)

lint: $(NOX) ## Ruff and the layering contracts.
	$(NOX) -s lint

typecheck: $(NOX) ## mypy --strict.
	$(NOX) -s typecheck

unit: $(NOX) ## Unit tests on every Python found.
	$(NOX) -s tests

e2e: $(NOX) ## End-to-end tests in headless Chromium.
	$(NOX) -s e2e

pipeline: $(NOX) ## Offline checks of the workflows, Procfile, hooks and releases.
	$(NOX) -s pipeline

bench: $(NOX) ## Whole sign-ins on loopback; prints throughput, latency, memory.
	$(NOX) -s bench

requirements: $(NOX) ## Regenerate requirements.txt from pyproject.toml.
	$(NOX) -s requirements

clean: ## Remove the environments and caches.
	rm -rf $(VENV) .nox .mypy_cache .pytest_cache .ruff_cache .hypothesis \
		.import_linter_cache artifacts dist
