# The whole set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench migrate seed setup-production backup chromium postgresql haproxy clean-venv

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.lock pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

migrate: $(STAMP)
	$(VENV)/bin/portal migrate

seed: migrate
	$(PY) -m seeds.demo --if-empty

run: seed
	@$(PY) -m seeds.demo --print-logins --port $(PORT)
	FORWARDED_ALLOW_IPS= $(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and this is not root: install it (apt-get install chromium) or set PORTAL_SKIP_BROWSER_TESTS=1"; \
	  fi; \
	fi

# The core and page tests run on both stores: a throwaway PostgreSQL cluster is started for the run
# (tests/pg_cluster.py) from Debian's initdb/pg_ctl. Missing PostgreSQL fails those tests, never skips them.
postgresql:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's postgresql for the PostgreSQL run of the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "PostgreSQL is missing and this is not root: install it (apt-get install postgresql); the PostgreSQL tests fail without it"; \
	  fi; \
	fi

# The replica test (tests/browser/test_replicas.py) runs deploy/haproxy.cfg with Debian's haproxy.
haproxy:
	@if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's haproxy for the replica test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; \
	  else \
	    echo "HAProxy is missing and this is not root: install it (apt-get install haproxy); the replica test fails without it"; \
	  fi; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP) chromium postgresql haproxy lint
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m bench.run

setup-production: $(STAMP)
	$(VENV)/bin/portal setup-production

backup: $(STAMP)
	$(VENV)/bin/portal backup

clean-venv:
	rm -rf $(VENV)
