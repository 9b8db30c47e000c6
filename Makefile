# The two commands a newcomer needs: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint bench system-deps clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/uvicorn app.main:create_app --factory --host $(HOST) --port $(PORT)

# Browser tests need a system Chromium; scripts/system-deps installs it when missing.
system-deps:
	bash scripts/system-deps

# Browser tests run in their own pytest process: Playwright's sync API keeps an event loop
# running in its worker, which would collide with the async httpx tests.
test: $(STAMP) system-deps lint
	$(BIN)/pytest -n 2 -m "not browser"
	$(BIN)/pytest -n 2 -m browser tests/browser

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Benchmarks: unset the OpenBLAS overrides this machine sets (they slow numpy's GEMM ~4×).
bench: $(STAMP)
	for b in engine stepper worst_case; do \
	  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python -m bench.$$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
