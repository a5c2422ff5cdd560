# portal-archive — the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# pywb in its own venv: it pins redis 2.10, scrapy-redis needs redis >= 4.2 (pywb-requirements.txt)
PYWB_VENV ?= .venv-pywb
ARCHIVE ?= ./demo-archive

.PHONY: install demo test bench bench-full clean

install: $(VENV)/.installed $(PYWB_VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(PYWB_VENV)/.installed: pywb-requirements.txt
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYWB_VENV)/bin/python -m pip install --quiet -r pywb-requirements.txt
	touch $@

demo: install
	$(VENV)/bin/portal-archive crawl --demo --archive $(ARCHIVE) --samples 3

test: install  # a test file per core at a time (pytest-xdist): most tests wait on a crawl in a subprocess
	$(PY) -m pytest -q -n auto --dist loadfile

bench: install  # --quick: the full sizes (bench-full) take longer than 10 minutes on 2 cores
	$(PY) -m bench.run --quick

bench-full: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) $(PYWB_VENV) build *.egg-info .pytest_cache
