# hwlib book — the two commands that matter: `make book` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The offline data mirror (CI and this workplace keep it beside the clone). Override freely.
export HWLIB_DATA_MIRROR ?= $(abspath ../shared/data)
BUILD := $(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
TIMINGS := _build/stage-timings.txt

.PHONY: venv book test unit nbval site browser execute clean assignment grade

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --no-compile --disable-pip-version-check -q -r requirements.txt
	$(VENV)/bin/pip install --no-compile --disable-pip-version-check -q --no-deps -e .
	touch $@

venv: $(STAMP)

## make book: build the static site into _build/html from the committed, executed notebooks.
book: venv
	$(BUILD)
	@echo "site: $(abspath _build/html/index.html)"

## make test: unit tests, nbval on every chapter, the strict book build, the browser check.
test: venv
	@mkdir -p _build && rm -f $(TIMINGS)
	@.ci/stage unit $(TIMINGS) $(PY) -m pytest -q -m "not browser" tests
	@.ci/stage nbval $(TIMINGS) $(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env \
		--nbval-sanitize-with book/nbval-sanitize.cfg $(NOTEBOOKS)
	@.ci/stage build $(TIMINGS) $(BUILD)
	@.ci/stage browser $(TIMINGS) $(PY) -m pytest -q -m browser tests
	@echo "--- stage timings ---" && cat $(TIMINGS)

## make execute: re-execute every chapter in place (what an author runs after changing one).
execute: venv
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.record_timing=False $(NOTEBOOKS)

clean:
	rm -rf _build

## make assignment: the student version in dist/assignment/ (solutions -> TODOs, graded outputs cleared, grader).
assignment: venv
	$(PY) -m hwlib.assignment dist/assignment

## make grade: run the autograder on the reference solution (every line should say 0).
grade: venv
	$(PY) -m hwlib.grade
