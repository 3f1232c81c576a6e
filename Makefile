# Two commands for a fresh machine with only Python and pip: `make demo` and `make test`.
# Each creates .venv itself and installs rallyc into it (editable) with what it needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== rallyc lint specs/examples (four clean, commented example specs)"
	$(BIN)/rallyc lint --show-info --no-repo specs/examples
	@echo
	@echo "== rallyc lint specs/demo/broken.rally.yaml (planted mistakes; exit 1 is expected)"
	-$(BIN)/rallyc lint --no-repo specs/demo/broken.rally.yaml
	@echo
	@echo "== rallyc rule RY004"
	$(BIN)/rallyc rule RY004

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/lint_startup.py
	$(BIN)/python bench/lint_scale.py
	$(BIN)/python bench/compile_speed.py

docs: $(STAMP)
	$(BIN)/rallyc rules --format markdown > docs/rules.md

clean:
	rm -rf $(VENV) dist build .pytest_cache .hypothesis
