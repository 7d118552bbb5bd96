# Entry points. `make example` and `make test` are the README's quick start: each does
# all set-up (scripts/setup.sh) first.
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: setup example test build bench serve clean

setup:
	@VENV=$(VENV) bash scripts/setup.sh

## the main job on the built-in example (惠州市政务服务中心 2022): workbook, checks, score, report.
## The published figures do not add up, so `report` exits 1 (errors found, report written
## with a notice); only a status of 2 or more (could not run) fails this target.
example: setup
	$(BIN)/selfeval-xl report --example -o $(OUT) || [ $$? -eq 1 ]

## the whole test suite (the command .ci/run calls)
test: setup
	$(BIN)/python -m pytest

## rebuild the committed blank template after changing layout, VBA or the builder
build: setup
	$(BIN)/selfeval-xl build --force -o workbook/SelfEvaluation.xlsm

## benchmarks: figures and ratios against a baseline measured in the same run
bench: setup
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_report.py
	$(BIN)/python bench/bench_collect.py
	$(BIN)/python bench/bench_server.py
	$(BIN)/python bench/bench_cached_values.py
	$(BIN)/python bench/bench_text_numbers.py
	$(BIN)/python bench/bench_desk.py
	$(BIN)/python bench/bench_com_calls.py

## a demo of the bureau's service on http://127.0.0.1:8000/ (accounts and passwords printed)
serve: setup
	$(BIN)/selfeval-xl serve --demo --data $(OUT)/demo-service

clean:
	rm -rf $(OUT) .pytest_cache .hypothesis
