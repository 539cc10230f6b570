# fsat developer entry points. `make test` and `make demo` first install
# whatever is missing (tools/misc/ensure_deps.py; quiet when nothing is).
PYTHON ?= python
# `make test` runs the suite in this many pytest-xdist processes, one test
# file per process at a time (module fixtures are built once). Most tests
# spend their time starting a tool process, which keeps one core busy: two
# workers take the suite from 28 to 16 min on a 2-core machine.
TEST_WORKERS ?= 2

# Real sample files of the datasets, kept beside the checkout (never inside
# it). Tests that need them skip with a reason when the folder is absent.
REAL_SAMPLES := $(abspath ../shared/realdata)
ifneq ($(wildcard $(REAL_SAMPLES)),)
export FSAT_REAL_SAMPLES ?= $(REAL_SAMPLES)
endif

.PHONY: help deps lint test test-slow demo

help:
	@echo "make demo   install what is missing, then run the demo job"
	@echo "make test   install what is missing, lint, run the test suite"
	@echo "make test-slow  the slow end-to-end tests (marked slow)"

deps:
	@$(PYTHON) tools/misc/ensure_deps.py

lint: deps
	$(PYTHON) -m ruff check .

test: lint
	$(PYTHON) -m pytest tests -n $(TEST_WORKERS) --dist loadfile

# the end-to-end tests left out of `make test` (pytest.mark.slow)
test-slow: deps
	$(PYTHON) -m pytest tests -m slow

demo: deps
	$(PYTHON) tools/demo.py
