# AI-PAL developer and CI entry points.
#   make run    serve the app on http://127.0.0.1:8000 with embedded defaults
#   make test   unit suite (SQLite + fakeredis), then integration suite (PostgreSQL + Redis)
#   make test-scale  Redis Cluster, Sentinel, PostgreSQL replicas, two app servers (started by the tests)

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
RUN_ADDR ?= 127.0.0.1:8000
# Unit tests run on this many xdist workers (0: in one process).
PYTEST_WORKERS ?= 2
# Extra pytest arguments for both phases, e.g. make test PYTEST_ARGS="-x -k goal".
PYTEST_ARGS ?=
# Options of the benchmark, e.g. make bench BENCH_ARGS="--seconds 20 --profile" (python -m bench.perf --help).
BENCH_ARGS ?=
# Budget and extra schemathesis options of `make fuzz`, e.g. FUZZ_ARGS="--seed 1 --workers 2".
FUZZ_SECONDS ?= 60
FUZZ_ARGS ?=
# Extra pip-compile options of `make lock`, e.g. LOCK_ARGS="--upgrade-package django".
LOCK_ARGS ?=
# Extra pip-audit options of `make audit`, e.g. AUDIT_ARGS="--vulnerability-service osv".
AUDIT_ARGS ?=

# Integration backends; the environment wins. Passed to the integration phase only,
# so `make run` keeps its embedded defaults (SQLite file, local or in-process Redis).
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/aipal
REDIS_URL ?= redis://127.0.0.1:6379/0

UNIT_TESTS = AIPAL_TEST_BACKENDS=fake $(BIN)/pytest -m "not integration" -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
INTEGRATION_TESTS = AIPAL_TEST_BACKENDS=real DATABASE_URL='$(DATABASE_URL)' REDIS_URL='$(REDIS_URL)' \
	$(BIN)/pytest -m "integration and not scale" $(PYTEST_ARGS)
# The topologies of several machines, each started by the tests on free loopback ports
# (tests/scale); DATABASE_URL's server holds the checkers' databases. A test file's
# topology is started once (--dist loadfile keeps a file on one worker).
SCALE_TESTS = AIPAL_TEST_BACKENDS=real DATABASE_URL='$(DATABASE_URL)' REDIS_URL='$(REDIS_URL)' \
	$(BIN)/pytest -m scale -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Printed by `make run`: the demo logins, and a token to try the API with.
define DEMO_LOGINS_PY
from django.contrib.auth import get_user_model
from aipal.accounts.tokens import issue
from cachehealth.demo import ADMIN_PASSWORD, DEMO_PASSWORD
alice = get_user_model().objects.filter(username="alice").first()
print(f"Demo logins: admin / {ADMIN_PASSWORD} (staff, also /admin/), alice / {DEMO_PASSWORD}")
print(f"A new token of alice: {issue(alice)[0] if alice else '(no user alice)'}")
endef

.PHONY: help install lock audit run test test-unit test-integration test-scale lint format bench fuzz clean distclean

help:
	@echo "make run               install, migrate, seed demo data, serve on http://$(RUN_ADDR)"
	@echo "make test              unit tests (SQLite + fakeredis), then integration tests (PostgreSQL + Redis)"
	@echo "make test-unit         the unit phase only"
	@echo "make test-integration  the integration phase only (DATABASE_URL, REDIS_URL)"
	@echo "make test-scale        Redis Cluster and Sentinel failovers, PostgreSQL replicas, two app servers"
	@echo "make lint              ruff check and ruff format --check"
	@echo "make format            apply ruff's fixes and formatting"
	@echo "make bench             the benchmark: cache on and off, baselines, a bare Django view (docs/benchmarks.md)"
	@echo "make fuzz              schemathesis, all checks, against a live server for FUZZ_SECONDS (tools/fuzz.py)"
	@echo "make install           create $(VENV) and install the lock requirements-dev.txt, hashes checked (when a lock changed)"
	@echo "make lock              regenerate the hashed locks requirements*.txt from requirements*.in (pip-compile; LOCK_ARGS)"
	@echo "make audit             pip-audit over the locks; exit 1: known vulnerabilities, 2: advisory service not reached"
	@echo "make clean             remove caches and collected static files; distclean also $(VENV) and db.sqlite3"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a lock file is newer than the stamp. Every package, pip included,
# comes from the lock with its hashes checked, and only as a wheel: nothing is built or
# run at install time.
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --only-binary=:all: -r requirements-dev.txt
	@touch $@

install: $(STAMP)

# The locks: every package, transitive ones included, exactly pinned with the hashes of
# all its files. Edit requirements*.in, then `make lock`; pins already in a lock are kept
# unless LOCK_ARGS says otherwise (--upgrade, --upgrade-package NAME).
# The dev lock is constrained by the runtime lock, so both hold the same versions.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

lock: install
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

# Known vulnerabilities in the locked packages (pip-audit, PyPI's advisory feed). Exit 0:
# all audited, none known; 1: vulnerabilities found; 2: not everything could be audited
# (the advisory service could not be reached). Not part of `make test`: it needs the network.
audit: install
	$(BIN)/python -m tools.audit requirements.txt requirements-dev.txt $(if $(AUDIT_ARGS),-- $(AUDIT_ARGS))

# seed_demo prints the accounts it creates; later runs skip it, so the logins are
# repeated here. runserver stays one process: the embedded fakeredis lives in it.
# collectstatic: with DJANGO_DEBUG=false the pages' scripts and styles are served by
# WhiteNoise from the collected files (staticfiles/), as under gunicorn.
run: export DEMO_LOGINS = $(DEMO_LOGINS_PY)
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	CACHE_LOG_LEVEL=WARNING $(MANAGE) seed_demo --if-empty
	@$(MANAGE) shell --no-imports -c "$$DEMO_LOGINS"
	@$(MANAGE) shell --no-imports -c "from aipal.settings.backends import describe; print(describe())"
	@echo "Serving on http://$(RUN_ADDR)/ (API under /api/, docs at /api/docs/, admin under /admin/); Ctrl-C stops it."
	$(MANAGE) runserver $(RUN_ADDR) --noreload

# Both phases always run, each ending with pytest's tally; a phase fails on any pytest exit
# code except "no tests collected" (5) in the integration phase.
test: install
	@set -o pipefail; unit=0; integration=0; none=; color=no; [ -t 1 ] && color=yes; \
	logs=$$(mktemp -d); trap 'rm -rf "$$logs"' EXIT; \
	echo "==> Phase 1/2: unit tests (SQLite + fakeredis)"; \
	$(UNIT_TESTS) --color=$$color | tee "$$logs/unit" || unit=$$?; \
	echo "==> Phase 2/2: integration tests (PostgreSQL + Redis, AIPAL_TEST_BACKENDS=real)"; \
	$(INTEGRATION_TESTS) --color=$$color | tee "$$logs/integration" || integration=$$?; \
	[ $$integration -eq 5 ] && integration=0 && none=", no tests collected"; \
	summary() { \
		tally=$$(tail -n 1 "$$logs/$$2" | sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^=* *//' -e 's/ *=*$$//'); \
		if [ $$1 -eq 0 ]; then verdict="ok$$4"; else verdict="FAILED (pytest exit $$1)"; fi; \
		printf '%-34s %s%s\n' "$$3" "$$verdict" "$${tally:+: $$tally}"; \
	}; \
	echo "==> Summary"; \
	summary $$unit unit "unit (SQLite + fakeredis)"; \
	summary $$integration integration "integration (PostgreSQL + Redis)" "$$none"; \
	[ $$unit -eq 0 ] && [ $$integration -eq 0 ]

test-unit: install
	$(UNIT_TESTS)

test-integration: install
	@rc=0; $(INTEGRATION_TESTS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "No integration tests collected."; exit 0; fi; exit $$rc

test-scale: install
	$(SCALE_TESTS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# wrk comes from the system's packages; it is installed here when missing (root or sudo).
bench: install
	@command -v wrk >/dev/null || { echo "Installing wrk with apt-get"; \
		if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo="sudo -n"; fi; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.perf $(BENCH_ARGS)

# The OpenAPI document against the server (API.md "System"): gunicorn with DEBUG off on a free
# port, a private SQLite database, throttles off; exit 0 when schemathesis finds no failure.
fuzz: install
	FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_ARGS='$(FUZZ_ARGS)' $(BIN)/python -m tools.fuzz

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache staticfiles

distclean: clean
	rm -rf $(VENV) db.sqlite3 db.sqlite3-journal
