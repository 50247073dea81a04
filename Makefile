# Set-up and checks. `make demo` and `make test` work on a fresh clone: they create .venv first
# (and build the sanitizer's Rust core with cargo, as pip install does).
PYTHON ?= python3
# rustup puts cargo in ~/.cargo/bin, which a shell that read no profile may not have on its PATH
export PATH := $(HOME)/.cargo/bin:$(PATH)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast kafka-up kafka-down clean

$(STAMP): pyproject.toml core/Cargo.toml core/Cargo.lock $(wildcard core/src/*.rs)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# pip byte-compiles what it installs, but not an editable install's source tree: compiled here, each
# `replay` process starts without compiling the project's modules again (0.2 s where the environment
# sets PYTHONDONTWRITEBYTECODE, as this machine's does). Up-to-date modules are skipped, so this costs little.
install: $(STAMP)
	$(BIN)/python -m compileall -q connectors sanitizers replay examples

## The main job on embedded defaults: production error -> sanitized -> replayed on QA -> verdict.
demo: install
	$(BIN)/replay demo

## Every test, against a real Kafka broker that this target starts and stops.
test: install
	bash scripts/ensure-chromium.sh
	bash scripts/kafka.sh up
	$(BIN)/python -m pytest -q -p no:cacheprovider; status=$$?; bash scripts/kafka.sh down; exit $$status

## Tests that need no broker.
test-fast: install
	$(BIN)/python -m pytest -q -m "not kafka"

kafka-up: install
	bash scripts/kafka.sh up

kafka-down:
	bash scripts/kafka.sh down

clean:
	rm -rf $(VENV) .cache .pytest_cache .hypothesis core/target sanitizers/_core*.so
