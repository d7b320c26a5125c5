# The quick start: `make build` compiles specs/prod.yaml, `make test` runs every check.
# Both create .venv on first use, so a fresh clone needs nothing installed beforehand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SPEC ?= specs/prod.yaml
# Every CloudFormation template the shipped specs compile to (not the manifest or report).
TEMPLATES = $(filter-out %/manifest.json %/policy-report.json,$(wildcard templates_out/*/*.json templates_out/*/*/*.json))

.PHONY: build test quick lint format templates scan benchmark benchmark-org clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip byte-compiles what it installs, but not an editable project: compileall does it here,
# so a machine with PYTHONDONTWRITEBYTECODE set does not recompile the package on every run.
$(VENV)/.installed-runtime: setup.cfg pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q dr_compiler
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q dr_compiler
	touch $@ $(VENV)/.installed-runtime

build: $(VENV)/.installed-runtime
	$(BIN)/python -m dr_compiler build $(SPEC)

test: $(VENV)/.installed-test node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest
	$(BIN)/cfn-lint -a cfn_lint_serverless.rules -- $(TEMPLATES)
	$(MAKE) --no-print-directory scan

# cfn-guard and the AWS Control Tower proactive-control rules, from the npm package
# @cdklabs/cdk-validator-cfnguard (package.json, pinned by package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Checkov and cfn-guard (Control Tower rules) on every committed template: any finding the
# templates' own suppression metadata does not cover fails (.ci/scan says which).
scan: $(VENV)/.installed-test node_modules/.package-lock.json
	$(BIN)/python .ci/scan $(TEMPLATES)

# The quick local run: lint and every test but the moto end-to-end and stress tests.
quick: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -m "not e2e and not stress and not scanners"

templates: $(VENV)/.installed-runtime
	for spec in specs/prod.yaml specs/staging.yaml specs/dev.yaml specs/orders/prod.yaml; do $(BIN)/python -m dr_compiler build $$spec || exit 1; done

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The AWS CDK app benchmarks/run.py compares our build with (benchmarks/cdk/README.md): its own
# package.json and lock, so the root `npm ci` (the scanners) never downloads the CDK.
benchmarks/cdk/node_modules/.package-lock.json: benchmarks/cdk/package.json benchmarks/cdk/package-lock.json
	npm ci --prefix benchmarks/cdk --no-audit --no-fund --loglevel=error

benchmark: $(VENV)/.installed-test benchmarks/cdk/node_modules/.package-lock.json
	$(BIN)/python benchmarks/run.py

# StackSets at organization scale against a local moto server (a few minutes).
benchmark-org: $(VENV)/.installed-test
	$(BIN)/python benchmarks/organization.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis .ruff_cache .mypy_cache
