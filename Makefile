# The two commands: `make demo` and `make test`. Each sets up what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab

.PHONY: demo test bench fuzz lab sysdeps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# System packages: a CJK font for charts and reports, Chromium and poppler for the browser/PDF tests.
sysdeps:
	@bash .ci/sysdeps

demo: $(STAMP) sysdeps
	$(BIN)/csi demo

test: $(STAMP) sysdeps
	$(BIN)/python -m pytest

# Property tests with many more examples than make test runs (tests/test_fuzz.py).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_fuzz.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# JupyterLab: the `lab` extra for users (`pip install csi[lab]`); `.[dev]` has it too, for tests/test_jupyterlab.py.
$(LAB_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,lab]'
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab notebooks/explore_study.ipynb

clean:
	rm -rf $(VENV) reports
