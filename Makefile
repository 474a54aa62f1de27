# Two commands do all the set-up: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Debian packages the app and its tests use (oathtool: demo sign-in codes without a phone).
APT_PACKAGES := redis-server chromium postgresql libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core oathtool
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup system-packages lint

setup: system-packages $(VENV)/.installed node_modules/.installed
	@mkdir -p var/mail

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py rebuild_derived
	$(PY) manage.py seed_demo --if-empty --reports
	@echo "Starting the app on http://127.0.0.1:8000 with Redis, a Celery worker and beat. Ctrl-C stops them all."
	$(VENV)/bin/honcho start -f Procfile.dev

lint: setup
	$(VENV)/bin/ruff check .

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python manage.py makemigrations --check --dry-run
	@echo "== The suite on SQLite"
	$(VENV)/bin/pytest
	@echo "== The suite on PostgreSQL (a server started on loopback for the run)"
	bin/with-postgres $(VENV)/bin/pytest
	@echo "== A short load test: gunicorn and PostgreSQL on loopback"
	bin/with-postgres $(PY) bin/load-test --seconds 10
