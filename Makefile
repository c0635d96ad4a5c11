# Tradewatch developer commands. Tools run from .venv/bin: nothing needs activating.
#   make setup   venv with the pinned dependencies (quick when nothing changed)
#   make up      local Kafka (KRaft) on 127.0.0.1:9092 and PostgreSQL on 127.0.0.1:5432
#   make test    setup + up + every test against the real Kafka and PostgreSQL
#   make lint    ruff (lint and format) and mypy strict
# deploy/local/kafka.sh and deploy/local/postgres.sh {start|stop|restart|status|kill} act on one.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Prerequisites run in the order written: `up` creates topics with the venv that `setup` builds.
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SETUP_STAMP := $(VENV)/.setup-stamp
PYTEST_ARGS ?=

.PHONY: help setup tools up down status test lint demo bench bench-screening bench-rescreen bench-floor clean clean-data

help:
	@sed -n 's/^#   //p' Makefile
	@echo "  also: tools, down, status, demo, bench, bench-screening, bench-rescreen, bench-floor, clean, clean-data"

setup: $(SETUP_STAMP)

$(SETUP_STAMP): pyproject.toml constraints.txt scripts/setup-venv.sh
	PYTHON=$(PYTHON) scripts/setup-venv.sh
	@touch $@

up:
	@deploy/local/up.sh

# promtool for tests/unit/deploy, from Debian's prometheus package (only the binary: no server).
tools:
	@deploy/prometheus/install-promtool.sh

# Stop both even when the first fails; report failure if either did.
down:
	@rc=0; deploy/local/kafka.sh stop || rc=$$?; deploy/local/postgres.sh stop || rc=$$?; exit $$rc

status:
	@deploy/local/kafka.sh status || true; deploy/local/postgres.sh status || true

# The environment (CI=true among it) reaches pytest unchanged. Exit 5 (no tests collected) is a
# failure like any other non-zero exit.
test: setup tools up
	@$(BIN)/pytest tests $(PYTEST_ARGS) || { rc=$$?; \
	  if [[ $$rc == 5 ]]; then echo "make test: pytest collected no tests" >&2; fi; exit $$rc; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services shared tests tradewatch_cli

demo: setup
	$(BIN)/tradewatch demo

# The services as processes under load on the real Kafka and PostgreSQL (docs/benchmarks.md).
bench: setup up
	$(BIN)/python -m bench

bench-screening: setup
	$(BIN)/python -m bench.screening

# Rescreen of a 500-entry delta against 1M stored shipments (docs/rescreen.md); needs PostgreSQL
# and Kafka, and builds its own database tradewatch_bench.
bench-rescreen: setup up
	$(BIN)/python -m bench.rescreen

bench-floor: setup up
	$(BIN)/python -m bench.floor

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist
	find . -path ./.venv -prune -o -path ./.local -prune -o -name __pycache__ -type d -print0 | \
	  xargs -0 rm -rf

# Stops Kafka and PostgreSQL and deletes their data (keeps the downloaded jars).
clean-data: down
	rm -rf .local/kafka/data .local/kafka/logs .local/kafka/server.properties
	if [[ -L .local/postgres ]]; then rm -rf "$$(readlink -f .local/postgres)"; fi
	rm -rf .local/postgres .local/postgres-initdb.log
