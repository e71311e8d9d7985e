# mk/grade.mk: the instructor tools: batch grading, the student edition and
# the Gradescope bundle, and their tests and benchmark.
#
#   make grade LESSON=3.2 SUBMISSIONS=DIR [JOBS=N] [STUDENT=name] [GRADING_SEED=...]
#       grades every submission of DIR (one folder, .tar.gz or .zip per
#       student) into build/grade/3.2/, or GRADE_OUT=DIR (tools/grade/grade.py
#       explains how)
#   make dist-student LESSON=3.2   build/dist/learn-training-loop-3.2-student.tar.gz
#   make gradescope LESSON=3.2     build/gradescope/3.2-autograder.zip
#
# Limits of every submission run, overridable: GRADE_CPU (s of CPU per
# process), GRADE_WALL (s), GRADE_MEM (MiB of address space), GRADE_FSIZE
# (MiB per file), GRADE_NPROC (processes), GRADE_OUTPUT (bytes of output),
# GRADE_TEST_TIMEOUT (s per grader check; default: the grader's own).
# make grade also reads GRADE_PICK (exact|near|last: which file is graded),
# OVERRIDES (the instructor's CSV), SIMILARITY_THRESHOLD (percent, 60),
# SIMILARITY_RUN (tokens, 24), CANVAS_ASSIGNMENT (the export's column);
# make gradescope HIDDEN_VISIBILITY (hidden|after_due_date|visible) and
# LATE_POLICY (PERCENT[,MAX_DAYS]). tools/grade/README.md explains each.
#
# The tools run on Debian's /usr/bin/python3 with its standard library only.
# The student edition ships this file without tools/grade: there the
# instructor targets say so and stop.

PYTHON3 := /usr/bin/python3
GRADE_OUT ?= $(BUILD)/grade/$(LESSON)
DIST_TARBALL := $(BUILD)/dist/learn-training-loop-$(LESSON)-student.tar.gz
GRADESCOPE_ZIP := $(BUILD)/gradescope/$(LESSON)-autograder.zip
SUBMISSIONS ?=
STUDENT ?=
GRADING_SEED ?=
export GRADING_SEED GRADE_CPU GRADE_WALL GRADE_MEM GRADE_FSIZE GRADE_NPROC GRADE_OUTPUT GRADE_TEST_TIMEOUT
export GRADE_PICK OVERRIDES SIMILARITY_THRESHOLD SIMILARITY_RUN CANVAS_ASSIGNMENT HIDDEN_VISIBILITY LATE_POLICY

.PHONY: grade dist-student gradescope test-grade bench-grade

ifneq ($(wildcard tools/grade/grade.py),)

grade:
	@test -n "$(SUBMISSIONS)" || { echo 'grade: SUBMISSIONS=DIR is required (one folder, .tar.gz or .zip per student, or a Canvas or Moodle download, as a folder or its .zip)' >&2; exit 2; }
	$(Q)scripts/deps.sh grade
	$(Q)$(PYTHON3) tools/grade/grade.py --lesson $(LESSON) --submissions '$(SUBMISSIONS)' \
	    --jobs $(JOBS) --out '$(GRADE_OUT)' $(if $(STUDENT),--student '$(STUDENT)')

# The edition ships the student edition of the book prebuilt (it has no
# reference build to make it from): build it, or bring it up to date, first.
dist-student:
	$(Q)$(MAKE) -s --no-print-directory book-student
	$(call say,DIST,$(DIST_TARBALL))
	$(Q)$(PYTHON3) tools/dist/pack.py --lesson $(LESSON) --out $(DIST_TARBALL)

gradescope:
	$(call say,ZIP,$(GRADESCOPE_ZIP))
	$(Q)$(PYTHON3) tools/gradescope/bundle.py --lesson $(LESSON) --out $(GRADESCOPE_ZIP) --seed-dir '$(GRADE_OUT)'

# The generated class, the student edition and the Gradescope bundle, end to
# end; appends "grade <passed> <failed>" to $(BUILD)/test-summary.txt. Then
# the attack catalogue (tests/grade/attacks/, as root): "attacks <p> <f>".
test-grade:
	$(Q)status=0; $(PYTHON3) tests/grade/run_tests.py --lesson $(LESSON) --summary $(BUILD)/test-summary.txt || status=1; \
	$(MAKE) --no-print-directory grader-prereqs LESSON=$(LESSON) EDITION=student >/dev/null && \
	$(PYTHON3) tests/grade/attacks.py --lesson $(LESSON) --summary $(BUILD)/test-summary.txt || status=1; \
	exit $$status

# Throughput figures (no assertions): JOBS=1 and JOBS=2, and 100 submissions.
bench-grade:
	$(Q)$(PYTHON3) tests/grade/bench.py --lesson $(LESSON)

else

grade dist-student gradescope:
	@echo 'make $@: an instructor tool; it is not part of the student edition of the kit' >&2
	@exit 2

test-grade bench-grade:
	@echo '$@: instructor tools are not part of the student edition: nothing to run'

endif
