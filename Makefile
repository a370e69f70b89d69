# hellotrace — two commands do everything on a fresh machine:
#   make run    the site on http://127.0.0.1:5000 with the embedded mock Docker engine
#   make test   the whole test suite
# Other addresses: make run PORT=5001 ENGINE_TCP=127.0.0.1:2376 (or the HELLOTRACE_* settings, see README).
# A class on the room's network: make run HOST=0.0.0.0 ALLOW_REMOTE=1 ENGINE_TCP=0.0.0.0:2375
# The venv's interpreter: the system's CPython when it is 3.11 or newer with venv (Debian's python3 and python3-venv),
# else the first python3 on the PATH; `make PYTHON=python3.12 …` chooses another. Debian links its interpreter into
# the executable, where a CPython built as a shared library (pyenv's, by default) calls through the library's
# indirections: the same site costs about a tenth less CPU on Debian's (docs/benchmarks.md).
SYSTEM_PYTHON := /usr/bin/python3
PYTHON ?= $(if $(shell $(SYSTEM_PYTHON) -c 'import ensurepip, sys; sys.exit(sys.version_info < (3, 11))' \
                2>/dev/null && echo usable),$(SYSTEM_PYTHON),python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
# Only what is given becomes an option, so that settings from the environment still apply. HOST given on the
# command line is enough (port 5000 then), so that `make run HOST=0.0.0.0` does what it says; ALLOW_REMOTE=1 lets
# other machines in (--allow-remote); TRUSTED_HOST takes the names they use, separated by spaces.
HOST ?= 127.0.0.1
LISTENING      = $(or $(PORT),$(filter command line,$(origin HOST)))
SITE_OPTIONS   = $(if $(LISTENING),--listen $(HOST):$(or $(PORT),5000)) $(if $(WORKERS),--workers $(WORKERS)) \
                 $(if $(filter 1 yes true,$(ALLOW_REMOTE)),--allow-remote) \
                 $(foreach name,$(TRUSTED_HOST),--trusted-host $(name))
ENGINE_OPTIONS = $(if $(ENGINE_TCP),--tcp $(ENGINE_TCP)) $(if $(ENGINE_UNIX),--unix $(ENGINE_UNIX))

.PHONY: run mock test lint bench clean i18n

# Interface strings: English in the code, other languages in translations/<lang>/LC_MESSAGES/messages.po.
# The compiled catalogues (.mo) are built, never committed.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

# Installing says so on stderr, so that what `make run` prints on stdout is what the README shows.
$(PY):
	@echo "Creating $(VENV) with $(PYTHON)…" >&2
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

$(STAMP_RUN): requirements.txt | $(PY)
	@echo "Installing requirements.txt into $(VENV)…" >&2
	@$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(STAMP_DEV): requirements.txt requirements-dev.txt | $(PY)
	@echo "Installing requirements-dev.txt into $(VENV)…" >&2
	@$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(STAMP_RUN)

translations/%.mo: translations/%.po | $(STAMP_RUN)
	@$(VENV)/bin/pybabel compile -i $< -o $@ >&2

# After changing interface strings: collect them, merge them into every catalogue, compile.
i18n: $(STAMP_RUN)
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k gettext_in:2 --no-location --sort-output \
		--project=hellotrace -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --ignore-obsolete
	$(VENV)/bin/pybabel compile -d translations

run: $(STAMP_RUN) $(CATALOGUES)
	@$(PY) app.py $(SITE_OPTIONS) $(ENGINE_OPTIONS)

mock: $(STAMP_RUN)
	@$(PY) app.py mock-daemon $(ENGINE_OPTIONS)

# One pytest worker per core (pytest-xdist), at most four: each starts its own services (PostgreSQL, Redis, a real
# dockerd, Chromium), which on a machine of many cores would cost more than the extra workers bring.
# `make test TEST_WORKERS=1` runs the suite in one worker.
TEST_WORKERS ?= $(shell cores=$$(nproc 2>/dev/null || echo 2); echo $$(( cores > 4 ? 4 : cores )))
test: $(STAMP_DEV) $(CATALOGUES)
	$(PY) -m pytest -n $(TEST_WORKERS)

lint: $(STAMP_DEV)
	$(VENV)/bin/ruff check .

bench: $(STAMP_DEV)
	$(PY) bench/engine_bench.py
	$(PY) bench/replay_bench.py
	$(PY) bench/engine_restart_bench.py
	$(PY) bench/page_weight_bench.py
	$(PY) bench/hostile_client_bench.py
	$(PY) bench/trace_bench.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts instance/static translations/messages.pot $(CATALOGUES)
