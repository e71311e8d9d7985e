# Learn the Training Loop: the course kit's one Makefile.
#
# Read it top to bottom: settings, the lesson checks, then one section per
# part of the kit (core, lesson graders, book, instructor tools), each in its
# own file under mk/. `make help` lists every target and variable.

.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
SHELL := /bin/sh

# ---------------------------------------------------------------------------
# Settings you may change on the command line
# ---------------------------------------------------------------------------
LESSON      ?= 3.2
SUBMISSION  ?= lessons/$(LESSON)
ARGS        ?=
ONLY        ?=
V           ?= 0
SANITIZE    ?= 0
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)

BUILD := build
# The student edition (make dist-student) ships no solutions/: its help,
# `make test` and the instructor targets say only what works there.
KIT_EDITION := $(if $(wildcard solutions/$(LESSON)),full,student)
LESSONS := $(sort $(notdir $(wildcard lessons/*)))

ifeq ($(filter $(LESSON),$(LESSONS)),)
$(error Unknown LESSON=$(LESSON); valid lessons: $(LESSONS))
endif

# Quiet output unless V=1: each step prints one short line.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-8s %s\n' $(1) $(2) >&2
endif

# ---------------------------------------------------------------------------
# Compilers and flags
# ---------------------------------------------------------------------------
CC ?= cc
# -ffp-contract=off: the compiler must not fuse a*b+c on its own; where
# PyTorch fuses, the code calls fmaf() explicitly (docs/pytorch-semantics.md).
FP_FLAGS     := -ffp-contract=off -fno-fast-math
KIT_CFLAGS   := -std=c11 -O2 -g -Wall -Wextra -Werror -pedantic $(FP_FLAGS) -Icommon
# Student code: the same language and warnings, but a warning never stops the build.
STUDENT_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -pedantic $(FP_FLAGS) -Icommon
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
KIT_CFLAGS += $(SAN_FLAGS)
STUDENT_CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
BUILD_FLAVOUR := san
else
BUILD_FLAVOUR := opt
endif
LDLIBS := -lm
CHECK_CFLAGS = $(shell pkg-config --cflags check json-c 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check json-c 2>/dev/null)

# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------
.PHONY: help deps deps-book deps-test test bench golden clean

help:
	@echo 'Learn the Training Loop: course kit$(if $(filter student,$(KIT_EDITION)), (student edition))'
	@echo
	@echo 'Students'
	@echo '  make check LESSON=$(LESSON)            grade your lesson files (default SUBMISSION=lessons/$(LESSON))'
	@echo '  make check LESSON=$(LESSON) ONLY=step  grade one scheduler only'
	@echo '  make check LESSON=$(LESSON) SANITIZE=1  the same, with AddressSanitizer and UBSan'
	@echo '  make run LESSON=$(LESSON) ARGS="..."   build and run the lesson program'
	@echo '  make watch LESSON=$(LESSON)            re-run the graders whenever you save'
	@echo
	@echo 'Readers'
ifeq ($(KIT_EDITION),student)
	@echo '  make book LESSON=$(LESSON)             where the post is (shipped: build/book/$(LESSON)-student.html and .pdf)'
	@echo
	@echo 'This kit'
	@echo '  make test                       the training core'"'"'s own tests (tests/common)'
	@echo '  make deps                       install what `make check` needs (apt)'
	@echo '  make clean                      remove what was built (the shipped book stays)'
else
	@echo '  make book LESSON=$(LESSON)             the post as build/book/$(LESSON).html and .pdf'
	@echo '  make book-student LESSON=$(LESSON)     its student edition (solutions withheld): build/book/$(LESSON)-student.*'
	@echo
	@echo 'Instructors'
	@echo '  make grade LESSON=$(LESSON) SUBMISSIONS=DIR|ZIP [JOBS=N] [STUDENT=name] [OVERRIDES=csv]'
	@echo '                                  grade a folder (or a Canvas/Moodle download) into build/grade/$(LESSON)/'
	@echo '  make dist-student LESSON=$(LESSON)     the student edition tarball (no solutions)'
	@echo '  make gradescope LESSON=$(LESSON)       a Gradescope autograder zip'
	@echo
	@echo 'Kit developers'
	@echo '  make test                       the kit'"'"'s own test suite (what CI runs)'
	@echo '  make bench                      speed figures (no pass/fail)'
	@echo '  make golden                     regenerate golden data with real PyTorch'
	@echo '  make deps                       install what `make check` needs (apt)'
	@echo '  make clean                      remove build/'
	@echo '  make test-core | test-lesson | test-book | test-explorer | test-grade'
	@echo '                                  one part of the test suite'
	@echo '  make bench-core | bench-lesson | bench-grade | bench-explorer'
	@echo '                                  one part of the benchmarks'
	@echo '  make grader LESSON=$(LESSON) SUBMISSION=DIR [EDITION=student|instructor] [GRADER_OUT=DIR]'
	@echo '                                  build one submission'"'"'s grader binary'
	@echo '  make grader-prereqs LESSON=$(LESSON)   build what every grader shares, once'
	@echo '  make book-files LESSON=$(LESSON)       the book without installing packages'
endif
	@echo
	@echo 'Variables'
	@echo '  LESSON=$(LESSON)      one of: $(LESSONS)'
	@echo '  SUBMISSION=DIR  the folder whose student files are graded or run'
	@echo '  ONLY=NAME       grade one scheduler (constant, step, exponential, plateau, warmup_cosine)'
	@echo '  ARGS="..."      flags for `make run` (try ARGS=--help)'
	@echo '  SANITIZE=1      build with AddressSanitizer and UBSan'
	@echo '  V=1             show every command'
ifneq ($(KIT_EDITION),student)
	@echo '  JOBS=N          parallel grading jobs (default: number of cores)'
	@echo '  SUBMISSIONS=DIR, STUDENT=NAME, GRADING_SEED=S, OVERRIDES=CSV, GRADE_PICK=near   for make grade'
endif
	@echo '  KIT_PLOT_FORMAT=png   (environment) PNG overlay plots instead of SVG'

# Tiered, idempotent installers (scripts/deps.sh): silent when all is present.
deps:
	$(Q)scripts/deps.sh check
deps-book:
	$(Q)scripts/deps.sh book
deps-test:
	$(Q)scripts/deps.sh test

include mk/core.mk
include mk/lesson.mk
include mk/book.mk
include mk/grade.mk

# Each suite appends "name passed failed" to build/test-summary.txt; the last
# line adds them up. A failing suite does not hide the others' results.
ifeq ($(KIT_EDITION),student)
# The edition has the core's tests; the graders', the book's and the
# instructor tools' need the reference solution it does not ship.
TEST_SUITES := core
test: deps
else
TEST_SUITES := core lesson book explorer grade
test: deps-test
endif
	@mkdir -p $(BUILD) && : > $(BUILD)/test-summary.txt
	@status=0; for suite in $(TEST_SUITES); do \
	    echo "== test-$$suite"; \
	    $(MAKE) --no-print-directory test-$$suite || { status=1; echo "test-$$suite FAILED"; }; \
	done; \
	awk '{ passed += $$2; failed += $$3 } END { printf "test: %d passed, %d failed\n", passed, failed }' \
	    $(BUILD)/test-summary.txt; \
	exit $$status

# Golden data comes from real PyTorch only (Debian's python3-torch 1.13, run
# with /usr/bin/python3); the scripts in tools/golden/ write tests/golden/.
ifeq ($(KIT_EDITION),student)
golden bench:
	@echo 'make $@: part of the full kit, not of the student edition (make help lists what works here)' >&2
	@exit 2
else
bench: deps
	$(Q)$(MAKE) --no-print-directory bench-core
	$(Q)$(MAKE) --no-print-directory bench-lesson
	$(Q)$(MAKE) --no-print-directory bench-grade
	$(Q)$(MAKE) --no-print-directory bench-explorer

golden:
	$(Q)scripts/deps.sh torch
	$(Q)for script in tools/golden/*.py; do echo "golden: $$script"; /usr/bin/python3 $$script || exit 1; done
endif

ifeq ($(KIT_EDITION),student)
# The edition's book is shipped in build/book/: clean keeps it.
clean:
	rm -rf $(filter-out $(BUILD)/book,$(wildcard $(BUILD)/*)) \
	    $(filter-out %-student.html %-student.pdf,$(wildcard $(BUILD)/book/*))
else
clean:
	rm -rf $(BUILD)
endif
