# The two commands of the README. Both are safe to run again: the virtualenv is
# (re)installed only when pyproject.toml changes, and the demo is seeded once.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.khet-installed
EXAMPLES := $(wildcard examples/*/pyproject.toml)

.PHONY: demo test install clean-demo

$(STAMP): pyproject.toml $(EXAMPLES)
	@echo "==> creating the virtualenv in $(VENV) and installing Khet with its test tools"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e ".[test,server]"
	@for example in $(dir $(EXAMPLES)); do \
		echo "==> installing the example module in $$example"; \
		$(BIN)/python -m pip install --quiet -e "$$example" || exit 1; \
	done
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@echo "==> starting the demo office on http://127.0.0.1:$${PORT:-5000}"
	@$(BIN)/khet demo

test: $(STAMP)
	@echo "==> running the whole test suite, one worker per core (SQLite; set KHET_TEST_DATABASE_URL for PostgreSQL or MariaDB)"
	@# Bytecode on: pytest keeps the assert-rewritten test modules in __pycache__ instead of redoing them in each worker.
	@PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto

clean-demo:
	rm -rf instance/khet.db* instance/uploads instance/secret_key
