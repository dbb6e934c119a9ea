# treem: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run dev test test-fast bench lint install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bundled-redis]'
	touch $(STAMP)

install: $(STAMP)

## Start everything (bundled Redis when REDIS_URL is unset, worker, scheduler, web) with demo data.
run: $(STAMP)
	$(BIN)/treem db upgrade
	$(BIN)/treem seed-demo --if-empty
	$(BIN)/python -m treem_app.run

## Flask's development server with reload (Redis and the worker are not started).
dev: $(STAMP)
	$(BIN)/treem db upgrade
	$(BIN)/treem seed-demo --if-empty
	$(BIN)/flask --app 'treem_app:create_app()' run --debug

## Every test: domain, services, web, CLI, jobs on a real Redis, browser flows in Chromium.
test: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/pytest -q -m 'not browser' $(PYTEST_ARGS)

bench: $(STAMP)
	@# -P: bench/queue.py must not shadow the standard library module of the same name.
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python -P $$b || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
