# `make matrix` sets everything up and runs the default matrix; `make test` runs the checks.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
JOBS ?= 2
PYTEST_ARGS ?=
RUN ?=
FORMAT ?= md
# The harness's own dependencies, resolved once for every Python it supports (`make lock`).
LOCK := requirements.lock
UV_VERSION := 0.13.9

# The living table: a matrix of tracked ranges, and where its runs are published.
REFRESH ?= matrix-tracked.yaml
REFRESH_OUT ?= results/published-tracked

.PHONY: setup matrix quick table publish test lint typecheck unit clean-images bench lock refresh

$(BIN)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint $(LOCK) -e '.[test]'
	touch $@

lock: ## re-resolve pyproject.toml's dependencies (with the test extra) into requirements.lock
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet uv==$(UV_VERSION)
	cd $(CURDIR) && $(VENV)-lock/bin/uv pip compile pyproject.toml --extra test --universal \
		--python-version 3.10 --upgrade --quiet --output-file $(LOCK)
	rm -rf $(VENV)-lock

setup: $(BIN)/.installed
	@# shellcheck: actionlint checks the emitted workflows' shell steps with it, as on CI.
	bash scripts/install-system-deps shellcheck

matrix: setup ## run the default matrix, write results/<run>/table.md
	$(BIN)/harness run matrix.yaml --jobs $(JOBS) --quiet

quick: setup ## a few minutes: Keras 3 alone and with JAX
	$(BIN)/harness run matrix-quick.yaml --jobs $(JOBS)

table: $(BIN)/.installed ## rewrite a run's table (RUN=<id>, default the latest; FORMAT=md|html|json|csv)
	$(BIN)/harness table $(RUN) --format $(FORMAT)

publish: $(BIN)/.installed ## write a run's tables in every format to results/published/ (RUN=<id>)
	$(BIN)/harness publish $(RUN)

refresh: setup ## the tracked matrix brought up to date: lock --upgrade, run, the changes since its last publication, publish
	$(BIN)/harness lock $(REFRESH) --upgrade
	$(BIN)/harness run $(REFRESH) --jobs $(JOBS) --quiet
	@# Compared before publishing, which replaces the previous publication; exit 1 means "changed".
	@if [ -f $(REFRESH_OUT)/cells.jsonl ]; then \
		$(BIN)/harness diff $(REFRESH_OUT) latest --format md -o results/refresh-changes.md \
			|| [ $$? -eq 1 ]; \
	else echo "$(REFRESH_OUT) holds no earlier run: every cell is new"; fi
	$(BIN)/harness publish --out $(REFRESH_OUT)

bench: setup ## the harness against plain host processes on bench/matrix.yaml; prints ratios
	$(BIN)/python bench/run.py --jobs $(JOBS)
	$(BIN)/python -m bench.shard_balance matrix.yaml

lint: $(BIN)/.installed ## ruff, ruff format, and the packages' import layers (pyproject.toml)
	$(BIN)/ruff check harness tests bench
	$(BIN)/ruff format --check harness tests bench
	$(BIN)/lint-imports

typecheck: $(BIN)/.installed
	$(BIN)/mypy

unit: $(BIN)/.installed ## tests that need no Docker engine
	$(BIN)/pytest -m "not docker" $(PYTEST_ARGS)

test: lint typecheck ## lint, types, then every test (Docker tests skip with a reason where no engine answers)
	$(BIN)/pytest $(PYTEST_ARGS)

clean-images: $(BIN)/.installed ## remove every image the harness built
	$(BIN)/harness clean --yes
