# The two commands: `make run` (try it, no service needed) and `make test` (the whole suite).
# Also: `make worker` (a job worker on Redis), `make bench` (figures), `make venv`.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app app
# Reinstall only when setup.cfg changed since the last install.
INSTALLED := $(VENV)/.installed-from-setup.cfg
INSTANCE := instance
SANDBOX_PORT := 5055
WEB_PORT := 5000
# `make run` is the embedded setup: SQLite in instance/ and the in-process job queue,
# whatever DATABASE_URL or REDIS_URL the shell may have.
RUN_ENV := DATABASE_URL= REDIS_URL= INSTANCE_PATH=

.PHONY: run test worker bench venv services-check

venv: $(INSTALLED)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): setup.cfg | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

run: venv
	@mkdir -p $(INSTANCE)
	$(RUN_ENV) $(FLASK) db upgrade
	@$(RUN_ENV) $(FLASK) create-admin --if-no-users
	@test -f $(INSTANCE)/.demo-seeded || \
		($(RUN_ENV) $(FLASK) seed-demo && touch $(INSTANCE)/.demo-seeded)
	@set -e; \
	$(PY) -m exact_sandbox --port $(SANDBOX_PORT) \
		--redirect-uri http://127.0.0.1:$(WEB_PORT)/authcallback > $(INSTANCE)/sandbox.log 2>&1 & \
	sandbox=$$!; \
	trap 'kill $$sandbox 2>/dev/null || true' EXIT INT TERM; \
	for i in $$(seq 50); do \
		if $(PY) -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$(SANDBOX_PORT)/_sandbox/', timeout=1)" 2>/dev/null; then break; fi; \
		if ! kill -0 $$sandbox 2>/dev/null; then break; fi; \
		sleep 0.2; \
	done; \
	if kill -0 $$sandbox 2>/dev/null; then \
		grep -E 'sandbox running|client ID|client secret|login ' $(INSTANCE)/sandbox.log || true; \
	else \
		echo "The Exact sandbox did not start (is port $(SANDBOX_PORT) in use?); see $(INSTANCE)/sandbox.log."; \
		echo "The back office runs anyway; only the sandbox connection will not work."; \
	fi; \
	echo "Back office: http://127.0.0.1:$(WEB_PORT)/  (Ctrl+C stops it and the sandbox)"; \
	$(RUN_ENV) $(FLASK) run --host 127.0.0.1 --port $(WEB_PORT)

services-check: venv
	@$(PY) -c "import sys, psycopg; \
	psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=postgres', connect_timeout=3).close()" \
	2>/dev/null || { echo "PostgreSQL does not answer at 127.0.0.1:5432 (user postgres, trust auth)."; \
	echo "Start it (e.g. pg_ctlcluster <version> main start) and run make test again."; exit 1; }
	@$(PY) -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_connect_timeout=3).ping()" \
	2>/dev/null || { echo "Redis does not answer at 127.0.0.1:6379."; \
	echo "Start it (e.g. redis-server --daemonize yes --port 6379 --save '') and run make test again."; exit 1; }

test: services-check
	$(PY) -m pytest

worker: venv
	$(FLASK) worker

bench: venv
	$(PY) bench/bench_list_view.py
	$(PY) bench/bench_sandbox.py
