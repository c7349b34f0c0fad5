# DTE Platform. `make run` starts the platform; `make test` runs the whole test suite.
# Both set up .venv (and the front-end packages) themselves and are safe to run again.
.PHONY: run test check lint typecheck setup lock bench bench-smoke

DTE := .venv/bin/dte

setup:
	@scripts/setup

# A local demo on plain http://127.0.0.1:8000: the development profile (no HTTPS redirect, no Secure
# cookies). Without DTE_ENV the platform runs in the production profile (README 运维).
run: export DTE_ENV := development
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

# ruff, then the import contracts of .importlinter (layers, a Django-free policy engine, no cycles).
lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

typecheck: setup
	.venv/bin/mypy

check: lint typecheck test

bench: setup
	@for b in bench/*.py; do echo "== $$b"; .venv/bin/python $$b || exit 1; done

# Every benchmark at a tiny size (seconds; CI runs it): a bench that no longer runs, or whose own checks
# fail (every request 200, the pages and files produced), fails here. Figures are printed, never judged.
# BENCH_DB=postgres runs the benchmarks that use a database on PostgreSQL (their own databases,
# dte_bench_claims and dte_bench_oversight, dropped and created).
BENCH_DB ?= sqlite
bench-smoke: setup
	@set -e; for b in bench/*.py; do \
	  usage=$$(.venv/bin/python $$b --help); \
	  case "$$usage" in *--db*) db="--db $(BENCH_DB)";; *) [ "$(BENCH_DB)" = sqlite ] || continue; db=;; esac; \
	  echo "== $$b --smoke $$db"; .venv/bin/python $$b --smoke $$db; done

# Regenerate requirements.lock from a clean install of pyproject.toml's dependencies.
lock:
	rm -rf .venv-lock && "$$(scripts/find-python)" -m venv .venv-lock
	.venv-lock/bin/pip install -q pip==26.3 setuptools && .venv-lock/bin/pip install -q -e '.[dev]'
	(echo "# Exact versions of every package the platform and its tests install (pip freeze of a fresh"; \
	 echo "# install; regenerate with: make lock). Installed by scripts/setup into .venv."; \
	 .venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e') > requirements.lock
	rm -rf .venv-lock
