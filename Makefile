# The course's two commands (see README.md):
#   make book   set up .venv if needed, then build the HTML site into _build/html
#   make test   set up .venv if needed, then lint, unit tests, strict nbval and a strict book build
# Both recreate nothing that is already up to date: the environment is reinstalled
# only when pyproject.toml changes.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The chapters' matrices are small: one BLAS thread is faster than two fighting over
# two shared cores (measured 3-5x on these machines). The benchmark sets its own.
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test env lint unit nbval book-strict site-check lab bench weights clean

env: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 is required, found {sys.version.split()[0]}; set PYTHON=/path/to/python3.11"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)
	@echo "Environment ready in $(VENV)"

book: $(STAMP)
	$(BIN)/jupyter-book build . --keep-going
	@echo "The book is built. Open file://$(CURDIR)/_build/html/index.html"

test: $(STAMP) lint unit nbval book-strict site-check

lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest tests --ignore=tests/site -q

# Strict nbval over exactly the notebooks that _toc.yml lists.
nbval: $(STAMP)
	$(BIN)/python -m pytest -q -p no:randomly --nbval --nbval-current-env \
	    --nbval-sanitize-with nbval_sanitize.cfg $$($(BIN)/python scripts/toc_notebooks.py)

# A fresh (--all) build, so that warnings of unchanged pages are reported again.
book-strict: $(STAMP)
	$(BIN)/jupyter-book build . --all -W -n --keep-going

# Checks of the built site: every page is there and nothing loads from the internet.
site-check: $(STAMP)
	$(BIN)/python -m pytest tests/site -q

lab: $(STAMP)
	$(BIN)/jupyter lab book/

# Speed of lessonpkg's recurrent layers against torch.nn, same process, same threads.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_recurrent.py

# Retrain every shipped set of weights in book/data/ (about 15 minutes on 2 cores).
weights: $(STAMP)
	$(BIN)/python scripts/long_range_benchmark.py
	$(BIN)/python scripts/train_lstm_forget_bias.py
	$(BIN)/python scripts/train_lstm_code_tagger.py

clean:
	rm -rf _build
