# hellotrace — two commands do everything on a fresh machine:
#   make run    the site on http://127.0.0.1:5000 with the embedded mock Docker engine
#   make test   the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run mock test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_RUN): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(STAMP_DEV): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(PY) app.py

mock: $(STAMP_RUN)
	$(PY) app.py mock-daemon

test: $(STAMP_DEV)
	$(PY) -m pytest

lint: $(STAMP_DEV)
	$(VENV)/bin/ruff check .

bench: $(STAMP_DEV)
	$(PY) bench/engine_bench.py
	$(PY) bench/replay_bench.py
	$(PY) bench/trace_bench.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
