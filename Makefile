# s2b: two entry points for a fresh machine with Python 3.11+ and the package registries.
#   make serve   set up .venv and start the service with the demo data on embedded defaults
#   make test    set up .venv and run the whole test suite (+ ruff, mypy)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup serve test lint bench
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[service,model,dev]'
	touch $@

serve: setup
	$(BIN)/s2b serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: setup lint
	scripts/run-tests
