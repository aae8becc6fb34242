# Entry points named in the README. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SATUDATA_HOME ?= $(CURDIR)/.satudata

.PHONY: start install install-test test test-sqlite test-postgres lint messages lock bench clean

start:  ## Install, prepare the embedded SQLite database with demo accounts, and serve on 127.0.0.1:8000
	scripts/start.sh

install: $(BIN)/satudata

$(BIN)/satudata: requirements/base.lock pyproject.toml
	scripts/install.sh base

install-test:
	scripts/install.sh test

test: install-test  ## The whole suite on SQLite, then on PostgreSQL when DATABASE_URL is set
	scripts/test.sh

lint: install-test
	$(BIN)/ruff check satudata tests bench

messages: install  ## Rebuild the translation catalogs after changing user-facing text
	cd satudata && ../$(BIN)/satudata makemessages --locale id --locale en --no-obsolete --no-location --ignore "*/tests/*"
	cd satudata && ../$(BIN)/satudata compilemessages

lock:  ## Re-pin dependencies after editing requirements/*.in
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements/base.lock requirements/base.in
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements/test.lock requirements/test.in

bench: install-test  ## Benchmarks (see docs/benchmarks.md)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache
