# DTE Platform. `make run` starts the platform; `make test` runs the whole test suite.
# Both set up .venv (and the front-end packages) themselves and are safe to run again.
.PHONY: run test check lint typecheck setup lock bench

DTE := .venv/bin/dte

setup:
	@scripts/setup

run: setup
	@scripts/ensure-fonts
	$(DTE) migrate --no-input -v0
	$(DTE) load-reference
	$(DTE) demo --if-empty
	$(DTE) demo_oversight
	$(DTE) collectstatic --no-input -v0
	$(DTE) serve

# The whole suite on the database named by DATABASE_URL (default: the embedded SQLite).
test: setup
	@scripts/ensure-browser
	@scripts/ensure-fonts
	.venv/bin/pytest $(PYTEST_ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: setup
	.venv/bin/mypy

check: lint typecheck test

bench: setup
	@for b in bench/*.py; do echo "== $$b"; .venv/bin/python $$b || exit 1; done

# Regenerate requirements.lock from a clean install of pyproject.toml's dependencies.
lock:
	rm -rf .venv-lock && "$$(scripts/find-python)" -m venv .venv-lock
	.venv-lock/bin/pip install -q pip==26.3 setuptools && .venv-lock/bin/pip install -q -e '.[dev]'
	(echo "# Exact versions of every package the platform and its tests install (pip freeze of a fresh"; \
	 echo "# install; regenerate with: make lock). Installed by scripts/setup into .venv."; \
	 .venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e') > requirements.lock
	rm -rf .venv-lock
