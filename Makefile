# One entry point per task; CI runs `.ci/run`, which runs `make lint` then the README's test command.
PY ?= python

.PHONY: lint format test bench run

lint:  ## format check, lint and type check (what CI runs before the tests)
	$(PY) -m ruff format --check core
	$(PY) -m ruff check .
	$(PY) -m mypy

format:  ## rewrite files in place
	$(PY) -m ruff format core
	$(PY) -m ruff check --fix .

test:  ## the README's test command
	$(PY) -m pytest

bench:  ## speed and memory at full scale against their targets (minutes)
	$(PY) -m bench --scale full

run:  ## serve the site
	$(PY) -m streamlit run app.py
