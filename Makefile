# The course's two commands (see README.md):
#   make book   set up .venv if needed, then build the HTML site into _build/html
#   make test   set up .venv if needed, then lint, unit tests, strict nbval, a strict book build,
#               checks of the built site, browser tests (Chromium) and a JupyterLab test
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
# The stored notebook outputs were computed with OpenBLAS's Haswell (AVX2) kernels. Pinning them keeps
# strict nbval reproducible on x86-64 machines whose OpenBLAS would pick other kernels (e.g. AVX-512),
# which round differently in the last bit. (make bench unpins them: see benchmarks/bench_recurrent.py.)
ifeq ($(shell uname -m),x86_64)
export OPENBLAS_CORETYPE ?= Haswell
endif
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: book test env lint unit nbval book-strict site-check chromium browser-check lab-check lab bench weights clean

env: $(STAMP)

# jupyter/rnn-from-scratch.json: the course's JupyterLab settings (no news pop-up, no update check,
# both of which would ask the internet), installed as an override in the environment's app settings.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.d/rnn-from-scratch.json

$(STAMP): pyproject.toml jupyter/rnn-from-scratch.json
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 is required, found {sys.version.split()[0]}; set PYTHON=/path/to/python3.11"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	install -D -m 644 jupyter/rnn-from-scratch.json $(LAB_OVERRIDES)
	@touch $(STAMP)
	@echo "Environment ready in $(VENV)"

book: $(STAMP)
	$(BIN)/jupyter-book build . --keep-going
	@echo "The book is built. Open file://$(CURDIR)/_build/html/index.html"

test: $(STAMP) lint unit nbval book-strict site-check browser-check lab-check

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

# Checks of the built site: every page is there and nothing loads from the internet. (The browser
# and JupyterLab tests in tests/site/ have their own targets below.)
site-check: $(STAMP)
	$(BIN)/python -m pytest tests/site -q \
	    --ignore=tests/site/test_browser.py --ignore=tests/site/test_jupyterlab.py

# The browser tests drive Debian's Chromium; nothing ever downloads a browser. Point CHROMIUM at
# another Chromium or Chrome binary to use that one instead.
CHROMIUM ?= /usr/bin/chromium

# Installs Debian's chromium if it is missing: as root (as CI runs), or with sudo when it needs no
# password. Otherwise it stops and prints the command to run once.
chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$(CHROMIUM)" != /usr/bin/chromium ]; then \
	    echo "error: CHROMIUM=$(CHROMIUM) is not an executable file." >&2; exit 1; fi; \
	help="The browser tests need Debian's Chromium. Install it once with:  sudo apt-get install chromium"; \
	help="$$help  (or set CHROMIUM=/path/to/chromium-or-chrome)."; \
	if ! command -v apt-get >/dev/null; then echo "error: $$help" >&2; exit 1; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "error: $$help" >&2; exit 1; fi; \
	echo "Installing Debian's chromium for the browser tests (apt-get, about a minute)"; \
	if ! { $$sudo apt-get update -qq && \
	       $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then \
	    echo "error: apt-get could not install chromium. $$help" >&2; exit 1; fi; \
	test -x /usr/bin/chromium || { echo "error: chromium installed, but /usr/bin/chromium is missing" >&2; exit 1; }

# Browser tests of _build/html served on 127.0.0.1: every toc page loads with no console error and
# no request leaving 127.0.0.1, math typeset, alt text, links and anchors, search, a solution
# dropdown; screenshots go to _build/screenshots/.
browser-check: $(STAMP) chromium
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/site/test_browser.py -q -p no:randomly

# A headless JupyterLab on 127.0.0.1 runs book/setup.ipynb through its kernel API, then Chromium drives its
# interface: Chapter 1 runs cell by cell and a solution typed into a "Your turn" stub passes the checker.
lab-check: $(STAMP) chromium
	$(BIN)/python -m pytest tests/site/test_jupyterlab.py -q -p no:randomly

# JupyterLab on the chapters. Containers often run as root, which JupyterLab refuses without --allow-root.
lab: $(STAMP)
	$(BIN)/jupyter lab book/ $$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi)

# Speed of lessonpkg's recurrent layers against torch.nn, same process, same threads.
# Writes benchmarks/results/recurrent.json, which the book's Speed page and Chapter 6 quote. Min, not
# median: on a shared machine the minimum is the steadier summary. --native-blas lets OpenBLAS use
# this CPU's AVX-512 kernels, as torch's oneDNN does, even where OPENBLAS_CORETYPE pins older ones.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_recurrent.py --stat min --native-blas --json benchmarks/results/recurrent.json

# Retrain every shipped set of weights and data file in book/data/ (about an hour on 2 cores). Each script is
# seeded, and the chapter that loads its .npz shows the one command that rebuilds it.
weights: $(STAMP)
	$(BIN)/python scripts/long_range_benchmark.py
	$(BIN)/python scripts/train_lstm_forget_bias.py
	$(BIN)/python scripts/train_lstm_code_tagger.py
	$(BIN)/python scripts/train_char_lm.py
	$(BIN)/python scripts/train_g2p.py
	$(BIN)/python scripts/train_speech.py
	$(BIN)/python scripts/train_speaker_id.py
	$(BIN)/python scripts/train_action.py
	$(BIN)/python scripts/make_music_tokens.py
	$(BIN)/python scripts/train_music_lm.py

clean:
	rm -rf _build
