# Latchkey's developer commands. `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Stamps record when each install last ran, so a changed pyproject.toml or
# package-lock.json reinstalls and an unchanged one costs nothing.
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: install .venv node_modules chromium dev lint typecheck test bench package clean distclean

install: .venv node_modules chromium

.venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules: $(NODE_STAMP)

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The console's browser tests (tests/integration/console) drive Debian's Chromium through
# Playwright; Playwright's own browser downloads are never used. As root on Debian (CI) this
# installs it; elsewhere it says what to install and the browser tests fail until it is there.
CHROMIUM ?= /usr/bin/chromium

chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then \
		apt-get update && apt-get install -y chromium; \
	else \
		echo "make install: $(CHROMIUM) is missing. The console's browser tests need Chromium:"; \
		echo "  Debian/Ubuntu: sudo apt-get install chromium"; \
		echo "  elsewhere: install Chromium or Chrome and run make with CHROMIUM=/path/to/it"; \
	fi

# LOG_FORMAT=json: the server's log and metric lines as Lambda writes them.
dev: install
	$(BIN)/python -m scripts.dev --log-format $(or $(LOG_FORMAT),text)

lint: .venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: .venv
	$(BIN)/mypy

# All levels: unit, functional (moto), infrastructure and integration (each worker starts its
# own DynamoDB Local), spread over every core by pytest-xdist. PYTEST_WORKERS=0 runs them in
# one process; the reliability line and the per-level times are exact either way.
# --no-loadscope-reorder: groups go out in collection order (longest tests first, see
# tests/conftest.py), not largest group first.
PYTEST_WORKERS ?= auto
test: install lint typecheck
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest tests -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder

# Figures beside their floors or targets, on DynamoDB Local (see README, "Performance").
BENCHMARKS := scripts.bench_authorizer scripts.bench_tokens scripts.bench_token_issuance \
	scripts.bench_api scripts.bench_sweep \
	scripts.bench_lists \
	scripts.bench_routes scripts.bench_usage scripts.bench_items

bench: install
	@for module in $(BENCHMARKS); do $(BIN)/python -m $$module || exit 1; done

# The deployable template and zip for one stage, in build/<stage>/ (README, "Deploy").
# Chalice reads no AWS account here; the region only satisfies botocore.
STAGE ?= dev
PACKAGE_DIR := build/$(STAGE)

package: .venv
	rm -rf $(PACKAGE_DIR)
	AWS_DEFAULT_REGION=us-east-1 $(BIN)/chalice package --stage $(STAGE) \
		--pkg-format cloudformation --template-format yaml \
		--merge-template infra/template.yaml $(PACKAGE_DIR)
	$(BIN)/python -m scripts.compile_package $(PACKAGE_DIR)

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis .schemathesis build dist *.egg-info
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -not -path './node_modules/*' -prune -exec rm -rf {} +

# Also the installs and the `make dev` data in .local/.
distclean: clean
	rm -rf $(VENV) node_modules .local
