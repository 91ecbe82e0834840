# Two commands set up a fresh machine: `make demo` and `make test`.
# Every target creates .venv and installs the pinned dependencies first.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print 2>/dev/null)

export SALESAUDIT_PROJECT_DIR := $(CURDIR)

.PHONY: install manifest demo test dev bench lint lock clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(INSTALLED)

# The dbt manifest is prepared once here, not parsed at every code-location load.
manifest: $(MANIFEST)

$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	$(BIN)/salesaudit prepare-dbt

demo: $(MANIFEST)
	$(BIN)/salesaudit demo

test: $(MANIFEST)
	$(BIN)/python -m pytest

# The Dagster UI on 127.0.0.1 with the code location from workspace.yaml.
dev: $(MANIFEST)
	mkdir -p data/dagster_home
	test -f data/dagster_home/dagster.yaml || cp deploy/dagster.yaml data/dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/data/dagster_home $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# Scale benchmark: generates a large company, times each stage, writes benchmarks/RESULTS.md.
bench: $(MANIFEST)
	$(BIN)/python benchmarks/run_bench.py
	$(BIN)/python -m pytest -m slow

lint: $(INSTALLED)
	$(BIN)/ruff check orchestration tests benchmarks
	$(BIN)/ruff format --check orchestration tests benchmarks

lock: $(INSTALLED)
	(echo "# Exact versions the project is tested with; make installs with these as constraints."; \
	 echo "# Regenerate with: make lock"; \
	 $(BIN)/python -m pip freeze --exclude-editable) > constraints.txt

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs data
