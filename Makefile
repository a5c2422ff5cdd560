# portal-archive — the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ARCHIVE ?= ./demo-archive

.PHONY: install demo test bench bench-full clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: install
	$(VENV)/bin/portal-archive crawl --demo --archive $(ARCHIVE) --samples 3

test: install
	$(PY) -m pytest -q

bench: install  # --quick: the full sizes (bench-full) take longer than 10 minutes on 2 cores
	$(PY) -m bench.run --quick

bench-full: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
