# The two commands: `make run` (try it, no service needed) and `make test` (the whole suite).
# Also: `make worker` (a job worker on Redis), `make bench` (figures), `make venv`,
# `make constraints` (re-pin constraints.txt after changing setup.cfg).
# Ports: `make run WEB_PORT=5210 SANDBOX_PORT=5265`.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app app
# Reinstall only when setup.cfg or constraints.txt changed since the last install.
INSTALLED := $(VENV)/.installed-from-constraints
INSTANCE := instance
SANDBOX_PORT := 5055
WEB_PORT := 5000
# `make run` is the embedded setup: SQLite in instance/ and the in-process job queue,
# whatever DATABASE_URL or REDIS_URL the shell may have; this back office's URL (the OAuth
# redirect URI) and the sandbox's (the "Local sandbox" location) follow the two ports.
RUN_ENV = DATABASE_URL= REDIS_URL= INSTANCE_PATH= \
	EXTERNAL_URL=http://127.0.0.1:$(WEB_PORT) TRUSTED_HOSTS=127.0.0.1,localhost \
	EXACT_SANDBOX_URL=http://127.0.0.1:$(SANDBOX_PORT)

.PHONY: run test worker bench venv services services-check constraints

venv: $(INSTALLED)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): setup.cfg constraints.txt | $(PY)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,embedded]'
	touch $(INSTALLED)

constraints: | $(PY)
	$(PY) -m pip install --quiet -e '.[test,embedded]'
	@{ echo "# Exact versions installed by make run, make test and CI: pip install -c constraints.txt -e '.[test,embedded]'."; \
	  echo "# Regenerate after changing setup.cfg: make constraints (pip freeze of a working .venv)."; \
	  $(PY) -m pip freeze --exclude-editable | grep -v '^psa-backoffice'; } > constraints.txt

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
		grep -E 'sandbox running|client ID|client secret|login |control token' $(INSTANCE)/sandbox.log || true; \
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

# What CI runs (.ci/run calls this): Chromium, PostgreSQL and Redis made sure of, then the suite.
services:
	@bash tools/ensure-services

test: services venv services-check
	$(PY) -m pytest

worker: venv
	$(FLASK) worker

bench: venv
	$(PY) bench/bench_list_view.py
	$(PY) bench/bench_sandbox.py
