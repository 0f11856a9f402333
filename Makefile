# Linli: `make demo` and `make test` work on a fresh machine with only Python and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test run sandbox lint typecheck pytest postgres clean test-clock lock

# constraints.txt pins the versions the suite last passed with (`make lock` renews it); a change to
# it or to pyproject.toml re-installs.
$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m bot demo

sandbox: $(STAMP)
	$(BIN)/python -m bot sandbox

run: $(STAMP)
	$(BIN)/python -m bot run

CODE := bot handlers storage fakebot offline tests scripts

lint: $(STAMP)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/ruff check $(CODE)

typecheck: $(STAMP)
	$(BIN)/mypy $(CODE)

postgres:
	bash scripts/ensure-postgres.sh

# Two workers (pytest-xdist) on this 2-core machine; each has its own PostgreSQL database.
pytest: $(STAMP) postgres
	$(BIN)/pytest -q -n 2

test: lint typecheck pytest

# The suite with the system clock a year ahead and well before the tests' fixed date (libfaketime).
# As root with apt-get, a missing faketime is installed first; otherwise the script says it skipped.
test-clock: $(STAMP) postgres
	@command -v faketime >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime; } || true
	bash scripts/test-other-dates.sh

# Newest versions pyproject.toml allows, in a fresh venv; constraints.txt is rewritten only if the suite passes.
lock: postgres
	PYTHON=$(PYTHON) bash scripts/lock.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
