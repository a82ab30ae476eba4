# The two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck unit eval bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

run: setup
	$(BIN)/ipbot ingest
	$(BIN)/ipbot serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy core vectorstore ingest bot quality app cli service scripts server.py

unit: setup
	$(BIN)/python -m pytest -q -m "not eval and not integration"

test: lint typecheck
	$(BIN)/python -m pytest -q

eval: setup
	$(BIN)/ipbot eval ../shared/eval/dev.jsonl ../shared/eval/dev-colloquial.jsonl
	$(BIN)/ipbot eval ../shared/eval/dev-regulations.jsonl --docs ../shared/corpus-extra

bench: setup
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
