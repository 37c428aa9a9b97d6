# envcredit — two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
PORT   ?= 5000
DEMO_ENTERPRISES ?= 2000
DEMO_SEED ?= 1
PIP    := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: run serve install install-dev test test-fast lint bench browser-deps deploy-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[dev,bench]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: migrate, build the boundary file, load demo data when empty, rate, index,
## serve on 127.0.0.1:$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) places build --if-missing
	$(FLASK) demo load --if-empty --enterprises $(DEMO_ENTERPRISES) --seed $(DEMO_SEED)
	$(FLASK) credit rescore
	$(FLASK) search catch-up
	$(MAKE) --no-print-directory serve

serve: install
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers 1 --threads 8 \
		wsgi:app

## make test: the CI gates — lint, formatting, types — then the whole suite (SQLite always;
## PostgreSQL too when TEST_DATABASE_URL is set) with branch coverage of at least 90%
test: lint browser-deps deploy-deps
	$(BIN)/pytest -n auto --cov --cov-branch --cov-report=term --cov-fail-under=90

test-fast: install-dev
	$(BIN)/pytest -n auto -m "not browser and not slow"

browser-deps:
	@scripts/ensure-chromium
	@test -f tests/browser/node_modules/axe-core/axe.min.js || npm ci --prefix tests/browser --no-audit --no-fund --silent

## deploy-deps: Debian's nginx, for `nginx -t` of deploy/nginx/ (tests/deploy)
deploy-deps:
	@scripts/ensure-nginx

## make lint: ruff's rules, ruff's formatting, mypy on core/ and credit/ ([tool.mypy])
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance test-artifacts .mypy_cache .coverage .coverage.*
