# The two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck unit eval bench clean browser

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
	$(BIN)/mypy core vectorstore ingest bot quality app cli service console scripts server.py tests

unit: setup
	$(BIN)/python -m pytest -q -m "not eval and not integration"

# Debian's chromium and a CJK font for the console's browser tests (Playwright drives /usr/bin/chromium;
# its own browser download is never used). Installs only as root; elsewhere the browser tier says why it skips.
browser:
	@if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi wenquanyi; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	else echo "not root: install chromium and fonts-wqy-microhei to run the browser tests"; fi

test: lint typecheck browser
	$(BIN)/python -m pytest -q

eval: setup
	$(BIN)/ipbot eval ../shared/eval/dev.jsonl ../shared/eval/dev-colloquial.jsonl
	$(BIN)/ipbot eval ../shared/eval/dev-regulations.jsonl --docs ../shared/corpus-extra

bench: setup
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
