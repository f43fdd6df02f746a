# The two quick-start commands: `make site` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup site test lint serve clean

$(BIN)/eventcat: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint,clickhouse]'
	touch $@

setup: $(BIN)/eventcat

site: setup  ## set up, then build the site from catalog/ strictly into _build/html
	$(BIN)/eventcat build --strict

test: setup  ## set up, then run every test
	$(BIN)/python -m pytest

lint: setup  ## ruff, mypy and the import-layer contract over the project's own code
	$(BIN)/ruff check generator tests bench scripts conf.py
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf _build docs/catalog
