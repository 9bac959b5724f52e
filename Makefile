# The README's two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DASHBOARD := src/alpha_arena/dashboard/static/index.html
WEB_SOURCES := $(shell find web/src web/public web/scripts -type f 2>/dev/null) web/index.html \
	web/vite.config.ts web/tsconfig.json web/tsconfig.app.json openapi.json

.PHONY: demo serve web test test-web e2e lint bench clean

# deploy/install.sh is the one install step, shared with the Docker image (which installs a
# wheel instead of an editable package): it creates the venv with PYTHON when there is none.
INSTALL := PYTHON=$(PYTHON) bash deploy/install.sh --editable

$(VENV)/.installed: pyproject.toml deploy/install.sh
	$(INSTALL) $(VENV)
	touch $@

$(VENV)/.installed-dev: pyproject.toml deploy/install.sh
	$(INSTALL) --extras dev $(VENV)
	touch $@ $(VENV)/.installed

# The dashboard: npm packages from the lock file, then a build into the Python package.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(DASHBOARD): web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build --silent

web: $(DASHBOARD)

demo: $(VENV)/.installed $(DASHBOARD)
	$(BIN)/arena demo

serve: $(VENV)/.installed $(DASHBOARD)
	$(BIN)/arena serve

test: $(VENV)/.installed-dev test-web
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -n 2
	$(MAKE) e2e

test-web: web/node_modules/.installed
	cd web && npm run typecheck --silent && npm run lint --silent && npm test --silent

# The browser tests, in Debian's Chromium (/usr/bin/chromium, or ARENA_E2E_CHROMIUM).
e2e: $(VENV)/.installed-dev $(DASHBOARD)
	cd web && npm run e2e --silent

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: $(VENV)/.installed
	$(INSTALL) --extras bench $(VENV)
	$(BIN)/python benchmarks/candles_io.py
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) data/arena.db* web/node_modules src/alpha_arena/dashboard/static
