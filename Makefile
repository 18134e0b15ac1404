# The README's two commands are `make run` and `make test`; the rest is for developers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)

.PHONY: run test bench install lint format check messages lock vendor-css clean backup restore audit

run: $(INSTALLED)  ## The whole stack: web, worker, beat (and embedded PostgreSQL/Redis if no URLs are set)
	$(PY) scripts/stack.py run

test: $(INSTALLED)  ## The whole test suite against real PostgreSQL and Redis
	$(PY) scripts/stack.py test $(ARGS)

bench: $(INSTALLED)  ## Realistic board (20,000 pupils; BENCH_PUPILS=60000 for the largest), ratios to the floors, fails on a missed target; writes docs/benchmarks.md
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk (Debian) for the throughput figures"; apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
	$(PY) scripts/stack.py bench

install: $(INSTALLED)

$(INSTALLED): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "schoolprivacy needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

# mypy's Django plugin loads the test settings, which want these set; nothing is contacted.
LINT_ENV := DATABASE_URL="$${DATABASE_URL:-postgres://lint@lint.invalid/lint}" \
	REDIS_URL="$${REDIS_URL:-redis://lint.invalid:6379/0}" \
	ERASURE_LEDGER_PATH="$${ERASURE_LEDGER_PATH:-$(CURDIR)/.local/lint}"

lint: $(INSTALLED)  ## ruff, mypy (django-stubs) and the order of the apps (import-linter), as CI runs them
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(LINT_ENV) $(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(INSTALLED)  ## Refresh the catalogues from the source (needs GNU gettext) and list what needs Dutch
	$(PY) scripts/messages.py

lock: $(INSTALLED)  ## Re-resolve requirements.lock from pyproject.toml, with the hashes `make install` checks
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--no-header --generate-hashes --upgrade -o requirements.lock
	sed -i '1i # Exact versions installed by `make`. Regenerate with `make lock` after changing pyproject.toml.' requirements.lock

vendor-css:  ## Update the vendored NL Design System CSS (see static/vendor/utrecht/README.md)
	scripts/vendor-css.sh

backup: $(INSTALLED)  ## Back up the database and the keys into backups/ (the stack must run)
	$(PY) scripts/backup.py backup

restore: $(INSTALLED)  ## Restore BACKUP=backups/<date> and apply the erasures made since
	$(PY) scripts/backup.py restore $(BACKUP)

audit:  ## Known vulnerabilities in the locked dependencies (pip-audit, in a venv of its own)
	scripts/audit.sh

clean:  ## Remove the local databases, secrets stay in .env
	rm -rf .local
