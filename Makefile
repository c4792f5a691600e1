# Newsdesk — two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check

export HF_HUB_OFFLINE ?= 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false

.PHONY: run test test-fast test-slow check install models browser clean

## run: install, provision the models, ingest corpus/ if the index is empty, open the web chat on 127.0.0.1:7860
run: models
	$(BIN)/newsdesk add corpus/ --if-empty
	$(BIN)/newsdesk ui

## test: the fast suite first (no model needed), then provision and run the slow real-model suite
test: test-fast test-slow

test-fast: install
	$(BIN)/python -m pytest -m "not slow" --timeout=600

## check: the quality gate (format, lint, types, layers)
check: install
	$(BIN)/ruff format --check rag ui tests bench
	$(BIN)/ruff check rag ui tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test-slow: models browser
	$(BIN)/python -m pytest -m slow --timeout=1200

# Browser tests drive Debian's chromium with Playwright (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); }

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip==25.3

# torch first, pinned to the CPU build; llama-cpp-python compiles once (~16 min) and is cached by pip afterwards.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -c requirements.lock -e '.[test]'
	touch $@

models: install
	$(BIN)/newsdesk models provision multilingual-e5-small qwen2.5-coder-1.5b-instruct qwen2.5-coder-0.5b-instruct

clean:
	rm -rf $(VENV) .pytest_cache
