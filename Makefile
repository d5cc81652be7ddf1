# SatuPintu — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK = PORTAL_BASE_URL=http://$(HOST):$(PORT) $(VENV)/bin/flask --app run
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: run test venv install migrate init demo serve check bench translations clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv install: $(VENV)/.installed

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -d app/translations

migrate: install translations
	$(FLASK) db upgrade

init: migrate
	$(FLASK) satupintu init

demo: init
	$(FLASK) demo load

## make run: create the virtualenv, install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)
run: demo
	@echo "SatuPintu on http://$(HOST):$(PORT)  (back office: /login/, API docs: /swagger/v1)"
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite by default; TEST_DATABASE_URL=postgresql://... for PostgreSQL)
test: install translations
	$(PY) -m pytest -q

check: install
	$(FLASK) rules check

clean:
	rm -rf $(VENV) instance
