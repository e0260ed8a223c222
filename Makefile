# newsearch: the two commands of the README's quick start, and their parts.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
INDEX  ?= index

.PHONY: serve test install install-test browser lint index-samples clean

## make serve: install, index the sample archive, serve the site and API on http://$(HOST):$(PORT)/
serve: install index-samples
	$(BIN)/newsearch serve --index $(INDEX) --host $(HOST) --port $(PORT)

## make test: install everything the tests need (Chromium included) and run every test
test: install-test browser lint
	$(BIN)/python -m pytest -q

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[tantivy,serve]'

install-test: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'

browser:
	sh scripts/install-browser.sh

lint:
	$(BIN)/ruff check .

index-samples:
	$(BIN)/newsearch index samples --index $(INDEX)

clean:
	rm -rf $(VENV) build *.egg-info
