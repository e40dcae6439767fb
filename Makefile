# hwlib book — the two commands that matter: `make book` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The offline data mirror (CI and this workplace keep it beside the clone). Override freely.
export HWLIB_DATA_MIRROR ?= $(abspath ../shared/data)
# Every command that runs the book's numbers goes through hwbook.reproducible, which pins the
# floating-point kernels (defaults: the environment overrides them; README "Reproducible outputs").
PINNED := $(PY) -m hwbook.reproducible
BUILD := $(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going
NOTEBOOKS ?= $(sort $(wildcard book/*.ipynb))
NBVAL := $(PINNED) $(PY) -m pytest -q -p no:cacheprovider -p hwbook.nbval_tolerance --nbval --nbval-current-env \
	--nbval-sanitize-with book/nbval-sanitize.cfg
# The chapters CI executes under a deliberately different kernel choice (one numpy, one torch):
# their outputs must match the committed ones within the declared tolerances, which is every check
# the pinned run would make, so CI executes them this way only.
FOREIGN_NOTEBOOKS := book/03_softmax_and_two_layer_net.ipynb book/07_transformers.ipynb
# Every kernel family moves: OpenBLAS and numpy's loops down to AVX, torch (ATen, MKL, oneDNN) up to
# AVX-512, what an unpinned recent x86 CPU picks. (Torch's portable kernels are the other way to
# move it, but on one thread they make chapter 7 several times slower.)
FOREIGN_KERNELS := OPENBLAS_CORETYPE=Sandybridge NPY_DISABLE_CPU_FEATURES=X86_V3,X86_V4,AVX512_ICL,AVX512_SPR \
	ATEN_CPU_CAPABILITY=avx512 MKL_CBWR=AVX512 ONEDNN_MAX_CPU_ISA=AVX512_CORE
# Chapters run one per core, each on the one thread hwbook.reproducible pins (.ci/lanes); the
# longest start first. A chapter missing from this list runs after them.
BY_LENGTH := 07_transformers 04_convnet_from_scratch 06_transfer_learning 05_image_captioning \
	03_softmax_and_two_layer_net 02_convolution_derived 01_backprop_by_hand
ordered = $(foreach c,$(BY_LENGTH),$(filter %/$(c).ipynb,$(1))) $(filter-out $(BY_LENGTH:%=book/%.ipynb),$(1))
LANES := $(PY) .ci/lanes --workers 2
# One .ci/lanes job (NAME=COMMAND) per notebook: $(call job,PREFIX,COMMAND,NOTEBOOK)
job = "$(1)-$(basename $(notdir $(3)))=$(2) $(3)"
nbval_job = $(call job,nbval,$(NBVAL),$(1))
foreign_job = $(call job,foreign,env $(FOREIGN_KERNELS) $(NBVAL),$(1))
CHAPTER_JOBS := $(foreach nb,$(call ordered,$(NOTEBOOKS)),\
	$(if $(filter $(nb),$(FOREIGN_NOTEBOOKS)),$(call foreign_job,$(nb)),$(call nbval_job,$(nb))))
TIMINGS := _build/stage-timings.txt

.PHONY: venv book test unit chapters nbval foreign regressions site browser execute full clean assignment autograder grade record \
	pdf student-run student-site student-browser

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --no-compile --disable-pip-version-check -q -r requirements.txt
	$(VENV)/bin/pip install --no-compile --disable-pip-version-check -q --no-deps -e .
	$(PY) -m hwbook.reproducible --install-kernel
	touch $@

venv: $(STAMP)

## make book: build the static site into _build/html from the committed, executed notebooks.
book: venv
	$(BUILD)
	@echo "site: $(abspath _build/html/index.html)"

## make test: every test stage, with the time each took (what CI runs, through .ci/run).
test: venv
	@mkdir -p _build && rm -f $(TIMINGS)
	@# apt installs chromium (if missing) while the first stages run; the browser stage waits for it
	@.ci/ensure-chromium --background _build
	@$(PINNED) --describe
	@.ci/stage unit $(TIMINGS) $(PINNED) $(PY) -m pytest -q -n 2 --dist loadfile \
		-m "not browser and not regression and not student_run and not student_site" --durations=15 tests
	@.ci/stage chapters $(TIMINGS) $(LANES) $(CHAPTER_JOBS)
	@.ci/stage regress $(TIMINGS) $(PINNED) $(PY) -m pytest -q -n 2 -m regression tests
	@.ci/stage build $(TIMINGS) $(BUILD)
	@.ci/ensure-chromium --wait _build
	@.ci/stage browser $(TIMINGS) $(PY) -m pytest -q -n 2 -m browser tests
	@.ci/stage pdf $(TIMINGS) $(MAKE) --no-print-directory -o $(STAMP) pdf
	@.ci/stage student-site $(TIMINGS) $(MAKE) --no-print-directory -o $(STAMP) student-site student-browser
	@.ci/stage student-run $(TIMINGS) $(MAKE) --no-print-directory -o $(STAMP) student-run
	@echo "--- stage timings ---" && cat $(TIMINGS)

## make pdf: the whole book as one PDF (single-page build printed by headless Chromium), page count printed.
pdf: venv
	$(VENV)/bin/jupyter-book build . --builder singlehtml --warningiserror --nitpick --keep-going
	$(PY) book/_ext/print_pdf.py _build/singlehtml _build/pdf/hwlib-book.pdf

## make chapters [NOTEBOOKS=...]: what CI's chapters stage runs (each chapter once: 3 and 7 under
## the foreign kernels, the others under the pinned ones), two at a time.
chapters: venv
	$(LANES) $(CHAPTER_JOBS)

## make nbval NOTEBOOKS="book/03_...ipynb ...": re-execute chosen chapters under the pinned kernels
## and compare their outputs, two chapters at a time.
nbval: venv
	$(LANES) $(foreach nb,$(call ordered,$(NOTEBOOKS)),$(call nbval_job,$(nb)))

## make foreign: the chapters CI checks under another machine's kernels (see FOREIGN_KERNELS).
foreign: venv
	$(LANES) $(foreach nb,$(FOREIGN_NOTEBOOKS),$(call foreign_job,$(nb)))

## make execute [NOTEBOOKS=...]: re-execute chapters in place (what an author runs after changing
## one), two at a time.
EXECUTE := $(PINNED) $(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
	--ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.record_timing=False
execute: venv
	$(LANES) $(foreach nb,$(call ordered,$(NOTEBOOKS)),$(call job,execute,$(EXECUTE),$(nb)))

## make full [NOTEBOOKS=...]: run chapters at full scale (HWLIB_FULL=1), the executed copies in
## _build/full/. The kernel runs in book/ (nbconvert starts it in the notebook's folder), so each
## chapter records its numbers in book/results/<chapter>.json, the folder it names; then
## `make execute` the same chapters, so that their pages show the new full-scale column.
full: venv
	@mkdir -p _build/full
	@for nb in $(NOTEBOOKS); do \
		echo "full scale: $$nb" && \
		HWLIB_FULL=1 $(PINNED) $(VENV)/bin/jupyter nbconvert --to notebook --execute \
			--ExecutePreprocessor.timeout=-1 --ExecutePreprocessor.record_timing=False \
			--output-dir _build/full $$nb || exit 1; \
	done

clean:
	rm -rf _build dist

## make assignment: the student version in dist/assignment/ (solutions -> TODOs, graded outputs cleared).
STUDENT_DIR := dist/assignment
STUDENT_SITE := $(STUDENT_DIR)/_build/html
assignment: venv
	$(PY) course/student_build.py $(STUDENT_DIR)

## make student-run: the student version, filled with the reference's graded bodies only, runs
## every chapter top to bottom (tests/test_student_run.py; one chapter per process, two at a time).
STUDENT_RUN := $(PINNED) $(PY) -m pytest -q -p no:cacheprovider -m student_run tests/test_student_run.py
student-run: venv
	$(LANES) $(foreach nb,$(call ordered,$(NOTEBOOKS)),$(call job,student,$(STUDENT_RUN) -k,$(basename $(notdir $(nb)))))

## make student-site: the site for students, built from the student version (no solutions, no
## instructors' page, no answers) into dist/assignment/_build/html; then its browser checks.
student-site: assignment
	cd $(STUDENT_DIR) && $(abspath $(VENV))/bin/jupyter-book build . --keep-going
	@echo "student site: $(abspath $(STUDENT_SITE))/index.html"
	HWLIB_SITE=$(abspath $(STUDENT_SITE)) $(PY) -m pytest -q -m "student_site" tests/test_student_site.py

## make student-browser: the main site's browser checks on the student site (after student-site).
student-browser: venv
	HWLIB_SITE=$(abspath $(STUDENT_SITE)) HWLIB_SITE_STUDENT=1 $(PY) -m pytest -q -n 2 -m browser tests/test_site.py

## make autograder: dist/autograder.zip for Gradescope (setup.sh and run_autograder at its root,
## the grader, every recorded case); try it with course/gradescope_trial.py (README).
autograder: venv
	$(PY) course/autograder.py dist/autograder.zip

## make grade: run the autograder on the reference solution (every line should say 0).
grade: venv
	$(PINNED) $(PY) -m hwgrade --expected course/grade_expected.pkl

## make record: re-record the grader's expected outputs from the reference (after changing a check).
record: venv
	$(PINNED) $(PY) -m hwgrade --record --expected course/grade_expected.pkl
