# SatuPintu — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK = PORTAL_BASE_URL=http://$(HOST):$(PORT) MAIL_SERVER=$(MAIL_SERVER) MAIL_PORT=$(MAIL_PORT) $(VENV)/bin/flask --app run
PORT ?= 5000
HOST ?= 127.0.0.1
# `make run`'s own SMTP catcher; PORT=5001 MAIL_PORT=8026 make run starts a second instance beside the first
MAIL_SERVER ?= 127.0.0.1
MAIL_PORT ?= 8025
FREE_PORT = $(PY) -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((sys.argv[1], int(sys.argv[2])))'

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

## make run: create the virtualenv, install, migrate, load demo data, serve on http://$(HOST):$(PORT)
## (PORT for the web server, MAIL_PORT for the local SMTP catcher the outbox worker sends to)
run: demo
	@$(FREE_PORT) $(HOST) $(PORT) 2>/dev/null || { echo "make run: port $(PORT) is in use - choose another: PORT=5001 make run"; exit 1; }
	@$(FREE_PORT) $(MAIL_SERVER) $(MAIL_PORT) 2>/dev/null || { echo "make run: mail port $(MAIL_PORT) is in use - choose another: MAIL_PORT=8026 make run"; exit 1; }
	@echo "SatuPintu on http://$(HOST):$(PORT)  (back office: /login/, API docs: /swagger/v1)"
	@# the outbox worker (emails, inbox, WhatsApp, PDFs, SLA tick) runs beside the web server and stops with it
	@echo "SMTP catcher on $(MAIL_SERVER):$(MAIL_PORT) (MAIL_PORT): emails sent from now on arrive in instance/mail/new/ (one file per email; the demo history is marked delivered, not sent)"
	@# a Maildir needs its three folders; aiosmtpd makes them only when instance/mail does not exist yet
	@mkdir -p instance/mail/cur instance/mail/new instance/mail/tmp
	$(PY) -m aiosmtpd -n -l $(MAIL_SERVER):$(MAIL_PORT) -c aiosmtpd.handlers.Mailbox instance/mail & mail=$$!; \
	$(FLASK) worker & worker=$$!; trap 'kill $$worker $$mail 2>/dev/null; wait $$worker $$mail' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite by default; TEST_DATABASE_URL=postgresql://... for PostgreSQL)
test: install translations
	@test -x /usr/bin/chromium || echo "make test: /usr/bin/chromium not found - the browser (e2e) journeys in tests/e2e are SKIPPED (apt-get install -y chromium)"
	$(PY) -m pytest -q

check: install
	$(FLASK) rules check

clean:
	rm -rf $(VENV) instance

## make bench: ms per page of every generated document next to a bare xhtml2pdf render (needs `make demo`),
## and the issue-12 table side by side (SatuPintu, bare Flask L0, plain Flask-AppBuilder under gunicorn,
## wrk) on a PostgreSQL database of BENCH_ROWS applications (BENCH_DATABASE_URL; built anew each run;
## a local PostgreSQL is installed and started like .ci/run does when missing, else one line says what to do)
BENCH_ROWS ?= 1000000
# the same pages on a second database of BENCH_FLAT_ROWS applications (<database>_flat): does a page stay flat as data grows?
BENCH_FLAT_ROWS ?= 100000
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/satupintu_bench
bench: demo
	$(PY) bench/documents.py --runs 5 --out instance/bench
	$(PY) bench/side_by_side.py --rows $(BENCH_ROWS) --flat-rows $(BENCH_FLAT_ROWS) --database-url $(BENCH_DATABASE_URL)
