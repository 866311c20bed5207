# Ember's two quick-start commands (each makes its own virtual environment):
#   make demo   set up and run the main job
#   make test   set up and run the linter and the test suite (PyTorch is the oracle)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint bench bench-quick clean

$(VENV)/.ok-runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.ok-tests: $(VENV)/.ok-runtime
	$(PY) -m pip install -q -e ".[tests]"
	touch $@

$(VENV)/.ok-demo: $(VENV)/.ok-runtime
	$(PY) -m pip install -q -e ".[demo]"
	touch $@

demo: $(VENV)/.ok-demo
	$(PY) examples/demo.py

lint: $(VENV)/.ok-tests
	$(VENV)/bin/ruff check ember ember_template tests bench examples

test: lint
	$(PY) -m pytest -q -n 2 tests

bench: $(VENV)/.ok-tests
	$(PY) bench/run.py

bench-quick: $(VENV)/.ok-tests
	$(PY) bench/run.py --quick

clean:
	rm -rf $(VENV) build *.egg-info
