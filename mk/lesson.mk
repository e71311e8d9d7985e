# mk/lesson.mk: a lesson's program, its graders, and the tests that prove them.
#
#   check        grade SUBMISSION's student file: scores, hints, plots (ONLY=step: one scheduler)
#   run          build and run the lesson program with SUBMISSION's file (ARGS="...")
#   watch        re-run `make check` whenever the student file is saved
#   grader       build SUBMISSION's runners and the judge, and GRADER_OUT/grader,
#                the command that grades them (EDITION=student|instructor)
#   grader-prereqs  everything but the submission: the judge, the runner's kit
#                objects (build once before grading many submissions)
#   test-lesson  the kit proves its graders: reference, stubs, mutants, variants,
#                crash fixtures, fidelity against the PyTorch golden data
#   bench-lesson wall time of `make check` cold and warm, lesson program vs PyTorch
#
# Only the student files (lessons/<lesson>/lesson.mk: STUDENT_FILES) are taken
# from SUBMISSION; headers, graders and the core are always the kit's own.
#
# Files, with KEY = SUBMISSION with '/' replaced by '_' (lessons/3.2 -> lessons_3.2):
#   $(BUILD)/<flavour>/<lesson>/KEY/lesson            the lesson program
#   $(BUILD)/<flavour>/<lesson>/KEY/schedulers.o      the vetted student object
#   $(BUILD)/<flavour>/<lesson>/KEY/schedulers.deps   every file its compile read (-MD)
#   $(BUILD)/<flavour>/<lesson>/KEY/runner            the student's schedulers + the core:
#                                                     reads a case, writes its trace
#   $(BUILD)/<flavour>/<lesson>/KEY/runner-san        the same under ASan + UBSan
#   $(BUILD)/<flavour>/<lesson>/judge-EDITION/judge   compares traces with torch's numbers
#                                                     and decides (no student code in it)
#   GRADER_OUT/grader                                 `judge --runner ... "$@"`: grades KEY
#       GRADER_OUT defaults to $(BUILD)/<flavour>/<lesson>/KEY (student edition)
#       or $(BUILD)/<flavour>/<lesson>/KEY/instructor (instructor edition)
#   GRADER_OUT/plots/, GRADER_OUT/results.json        written by `make check`

LESSON_DIR := lessons/$(LESSON)
include $(LESSON_DIR)/lesson.mk

EDITION ?= student
ifeq ($(filter $(EDITION),student instructor),)
$(error Unknown EDITION=$(EDITION); use student or instructor)
endif

LESSON_OUT     := $(BUILD)/$(BUILD_FLAVOUR)/$(LESSON)
LESSON_TESTS   := tests/$(LESSON)
SUBMISSION_DIR := $(patsubst %/,%,$(SUBMISSION))
SUBMISSION_KEY  = $(subst /,_,$(1))
SUB_OUT        := $(LESSON_OUT)/$(call SUBMISSION_KEY,$(SUBMISSION_DIR))
ifeq ($(EDITION),instructor)
GRADER_OUT     ?= $(SUB_OUT)/instructor
else
GRADER_OUT     ?= $(SUB_OUT)
endif
GRADER_BIN     := $(GRADER_OUT)/grader
LESSON_BIN     := $(SUB_OUT)/lesson
REFERENCE_DIR  := solutions/$(LESSON)
REFERENCE_OUT  := $(LESSON_OUT)/$(call SUBMISSION_KEY,$(REFERENCE_DIR))
REFERENCE_LESSON := $(REFERENCE_OUT)/lesson

# ---------------------------------------------------------------------------
# The student object and the lesson program, for SUBMISSION and for the
# reference (the book and the fidelity tests use build/opt/3.2/solutions_3.2/lesson).
# ---------------------------------------------------------------------------
LESSON_MAIN_OBJ := $(LESSON_OUT)/obj/main.o
RUNNER_MAIN_OBJ := $(LESSON_OUT)/obj/runner.o
RUNNER_KIT      := $(LESSON_OUT)/runner-kit
# The sanitizer runner: the student's code instrumented, the kit's not.
# UBSan's object-size check is left to ASan, which names the overflow
# (heap-buffer-overflow, stack-buffer-overflow) where UBSan says "object-size".
RUNNER_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize=object-size -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# The lesson's pristine sources (LESSON_KIT_SOURCES) that the lesson program
# and the graders share, e.g. building a scheduler by name.
LESSON_KIT_OBJS := $(patsubst %.c,$(LESSON_OUT)/obj/%.o,$(LESSON_KIT_SOURCES))
LESSON_STUDENT_KIT_OBJS := $(patsubst %.c,$(LESSON_OUT)/obj/%.o,$(LESSON_STUDENT_KIT_SOURCES))
STUDENT_SYMBOLS := $(LESSON_TESTS)/student-symbols.txt
# $(call localize,SYMBOLS,RAW.o,OUT.o): every global symbol of a student
# object but the scheduler API (SYMBOLS, one a line) becomes local, so a
# helper the student forgot to make static neither clashes with nor replaces
# a function of the core or libc. Correctness, not trust: the runner holds
# nothing a submission could abuse. The make rules and the runner kit's
# build.sh both use it.
localize = objcopy --keep-global-symbols="$(1)" $(2) $(3)

$(LESSON_OUT)/obj/%.o: $(LESSON_DIR)/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(KIT_CFLAGS) -MMD -MP -I$(LESSON_DIR) -c $< -o $@

# $(1): a submission folder, $(2): its output folder. The student file is
# copied first, so that its #include "schedulers.h" finds the kit's header,
# never one lying next to the submission. Its compile also writes
# $(2)/schedulers.deps (-MD: every file it read, system headers included), a
# record for whoever wants to see what a local build used; make itself does
# not read it. The object depends on this file too: a change of its compile
# command must reach objects built before it.
define LESSON_SUBMISSION_RULES
$(2)/src/schedulers.c: $(1)/schedulers.c
	@mkdir -p $$(@D)
	$$(Q)cp $$< $$@

$(2)/schedulers.o: $(2)/src/schedulers.c $(LESSON_DIR)/schedulers.h common/sched.h $(STUDENT_SYMBOLS) mk/lesson.mk
	$$(call say,CC,$(1)/schedulers.c)
	$$(Q)$$(CC) $$(STUDENT_CFLAGS) -I$(LESSON_DIR) -MD -MF $(2)/schedulers.deps -MT $$@ -c $$< -o $$@.raw
	$$(Q)$$(call localize,$(STUDENT_SYMBOLS),$$@.raw,$$@)

$(2)/schedulers-san.o: $(2)/src/schedulers.c $(LESSON_DIR)/schedulers.h common/sched.h $(STUDENT_SYMBOLS) mk/lesson.mk
	$$(call say,CC-SAN,$(1)/schedulers.c)
	$$(Q)$$(CC) $$(STUDENT_CFLAGS) $$(RUNNER_SAN_FLAGS) -I$(LESSON_DIR) -c $$< -o $$@.raw
	$$(Q)$$(call localize,$(STUDENT_SYMBOLS),$$@.raw,$$@)

$(2)/lesson: $$(LESSON_MAIN_OBJ) $$(LESSON_KIT_OBJS) $$(LESSON_STUDENT_KIT_OBJS) $(2)/schedulers.o $$(KIT_LIB)
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@

$(2)/runner: $$(RUNNER_MAIN_OBJ) $$(LESSON_KIT_OBJS) $$(LESSON_STUDENT_KIT_OBJS) $(2)/schedulers.o $$(KIT_LIB)
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@

$(2)/runner-san: $$(RUNNER_MAIN_OBJ) $$(LESSON_KIT_OBJS) $$(LESSON_STUDENT_KIT_OBJS) $(2)/schedulers-san.o $$(KIT_LIB)
	$$(call say,LD,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) $$(RUNNER_SAN_FLAGS) $$^ $$(LDLIBS) -o $$@
endef

$(eval $(call LESSON_SUBMISSION_RULES,$(SUBMISSION_DIR),$(SUB_OUT)))
ifneq ($(SUB_OUT),$(REFERENCE_OUT))
$(eval $(call LESSON_SUBMISSION_RULES,$(REFERENCE_DIR),$(REFERENCE_OUT)))
endif

# A missing student file: one clear line instead of make's "No rule".
$(SUBMISSION_DIR)/schedulers.c:
	@echo "lesson $(LESSON): no $@ (SUBMISSION must be a folder holding your $(STUDENT_FILES))" >&2; exit 2

# ---------------------------------------------------------------------------
# The judge: built once per edition, the same for every submission (no
# student code in it). The instructor edition adds the hidden checks and the
# reference they compare with. GRADER_OUT/grader binds one submission's two
# runners to it.
# ---------------------------------------------------------------------------
JUDGE_OBJ_DIR := $(LESSON_OUT)/judge-$(EDITION)
JUDGE_BIN     := $(JUDGE_OBJ_DIR)/judge
JUDGE_UNITS   := judge golden hints diagnose cases report runs spawn $(if $(filter instructor,$(EDITION)),hidden)
JUDGE_OBJS    := $(patsubst %,$(JUDGE_OBJ_DIR)/%.o,$(JUDGE_UNITS))
JUDGE_CFLAGS   = $(KIT_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -I$(LESSON_DIR) -I$(LESSON_TESTS) \
                  -DKIT_GOLDEN_DIR='"$(abspath tests/golden/$(LESSON))"' \
                  -DKIT_CHECKS='"$(abspath $(LESSON_TESTS)/checks.tsv)"' \
                  $(if $(filter instructor,$(EDITION)),-DKIT_INSTRUCTOR)
# Instructor edition only: the reference, its API renamed ref_*_init.
REFERENCE_OBJ  := $(LESSON_OUT)/judge-instructor/reference.o
JUDGE_REF      := $(if $(filter instructor,$(EDITION)),$(REFERENCE_OBJ))
RUNNER_BIN     := $(SUB_OUT)/runner
RUNNER_SAN_BIN := $(SUB_OUT)/runner-san

$(JUDGE_OBJ_DIR)/%.o: $(LESSON_TESTS)/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(JUDGE_CFLAGS) -c $< -o $@

$(REFERENCE_OBJ): $(REFERENCE_DIR)/schedulers.c $(LESSON_DIR)/schedulers.h $(STUDENT_SYMBOLS)
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(KIT_CFLAGS) -I$(LESSON_DIR) -c $< -o $@.raw
	$(Q)objcopy $(foreach s,$(shell cat $(STUDENT_SYMBOLS)),--redefine-sym $(s)=ref_$(s)) $@.raw $@

$(JUDGE_BIN): $(JUDGE_OBJS) $(LESSON_KIT_OBJS) $(JUDGE_REF) $(KIT_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(CHECK_LIBS) $(LDLIBS) -o $@

.PHONY: grader grader-prereqs judge check run watch
judge: $(JUDGE_BIN)
grader-prereqs: $(JUDGE_BIN) $(RUNNER_KIT)/build.sh $(LESSON_MAIN_OBJ)

grader: $(GRADER_BIN)

$(GRADER_BIN): $(JUDGE_BIN) $(RUNNER_BIN) $(RUNNER_SAN_BIN) mk/lesson.mk
	@mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\n# Grades %s: the judge with this submission'"'"'s runners.\nexec "%s" --runner "%s" --runner-san "%s" --plots "%s" "$$@"\n' \
	    '$(SUBMISSION_DIR)' '$(abspath $(JUDGE_BIN))' '$(abspath $(RUNNER_BIN))' '$(abspath $(RUNNER_SAN_BIN))' '$(abspath $(GRADER_OUT))/plots' > $@.tmp
	$(Q)chmod +x $@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------------------
# The runner kit: everything the batch grader's sandboxed build of a
# submission may see (mk/grade.mk stages it read-only as /kit):
#   include/    the kit's public headers (common/*.h, lessons/<L>/*.h)
#   lib/        the runner's kit objects, the core library, the symbol list
#   build.sh    builds ./runner and ./runner-san from ./schedulers.c with the
#               same flags as the rules above (written from them here)
# Nothing of the reference, the judge, the golden data or the seed is in it.
# ---------------------------------------------------------------------------
RUNNER_KIT_OBJS := $(RUNNER_MAIN_OBJ) $(LESSON_KIT_OBJS) $(LESSON_STUDENT_KIT_OBJS)
RUNNER_KIT_HEADERS := $(wildcard common/*.h) $(addprefix $(LESSON_DIR)/,$(LESSON_HEADERS))
STUDENT_BUILD_FLAGS := $(filter-out -I%,$(STUDENT_CFLAGS))

.PHONY: runner-kit
runner-kit: $(RUNNER_KIT)/build.sh

$(RUNNER_KIT)/build.sh: $(RUNNER_KIT_OBJS) $(KIT_LIB) $(RUNNER_KIT_HEADERS) $(STUDENT_SYMBOLS) mk/lesson.mk
	$(call say,KIT,$(RUNNER_KIT))
	$(Q)rm -rf $(RUNNER_KIT) && mkdir -p $(RUNNER_KIT)/include $(RUNNER_KIT)/lib
	$(Q)cp $(RUNNER_KIT_HEADERS) $(RUNNER_KIT)/include/
	$(Q)cp $(RUNNER_KIT_OBJS) $(KIT_LIB) $(STUDENT_SYMBOLS) $(RUNNER_KIT)/lib/
	$(Q){ echo '#!/bin/sh'; \
	  echo '# build.sh: ./schedulers.c -> ./runner and ./runner-san (generated by make runner-kit).'; \
	  echo 'set -eu'; \
	  echo 'kit=$$(dirname "$$0")'; \
	  echo 'objs="$(foreach o,$(RUNNER_KIT_OBJS),$$kit/lib/$(notdir $(o)))"'; \
	  echo 'cc $(STUDENT_BUILD_FLAGS) -I"$$kit/include" -c schedulers.c -o schedulers.o.raw'; \
	  echo '$(call localize,$$kit/lib/$(notdir $(STUDENT_SYMBOLS)),schedulers.o.raw,schedulers.o)'; \
	  echo 'cc $(LDFLAGS) $$objs schedulers.o "$$kit/lib/$(notdir $(KIT_LIB))" $(LDLIBS) -o runner'; \
	  echo 'cc $(STUDENT_BUILD_FLAGS) $(RUNNER_SAN_FLAGS) -I"$$kit/include" -c schedulers.c -o schedulers-san.o.raw'; \
	  echo '$(call localize,$$kit/lib/$(notdir $(STUDENT_SYMBOLS)),schedulers-san.o.raw,schedulers-san.o)'; \
	  echo 'cc $(LDFLAGS) $(RUNNER_SAN_FLAGS) $$objs schedulers-san.o "$$kit/lib/$(notdir $(KIT_LIB))" $(LDLIBS) -o runner-san'; \
	} > $@.tmp && chmod 755 $@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------------------
# Student targets
# ---------------------------------------------------------------------------
check:
	$(Q)scripts/deps.sh check
	$(Q)$(MAKE) --no-print-directory $(if $(filter 1,$(V)),,-s) grader
	@echo "Grading $(SUBMISSION_DIR)/$(STUDENT_FILES) (lesson $(LESSON))"
	@echo
	$(Q)$(GRADER_BIN) --plots $(GRADER_OUT)/plots --json $(GRADER_OUT)/results.json $(if $(ONLY),--only $(ONLY)) $(if $(filter 1,$(VERBOSE)),--verbose)

run: $(LESSON_BIN)
	$(Q)$(LESSON_BIN) $(ARGS)

watch:
	$(Q)scripts/deps.sh check
	@while :; do \
	    if [ -t 1 ]; then printf '\033[H\033[2J'; fi; \
	    $(MAKE) --no-print-directory check; \
	    echo "[watch] $$(date +%H:%M:%S) waiting for changes to $(SUBMISSION_DIR)/$(STUDENT_FILES) (Ctrl-C stops)"; \
	    inotifywait -qq -e close_write -e moved_to -e create --include '$(STUDENT_FILES)$$' $(SUBMISSION_DIR) || exit 1; \
	    echo; \
	done

# ---------------------------------------------------------------------------
# The kit's own tests and benchmark for this lesson
# ---------------------------------------------------------------------------
LESSON_TEST_TOOLS := $(LESSON_OUT)/tools/fidelity

$(LESSON_OUT)/tools/fidelity: $(LESSON_TESTS)/fidelity.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(KIT_CFLAGS) $< $(LDLIBS) -o $@

.PHONY: test-lesson bench-lesson
test-lesson: $(REFERENCE_LESSON) $(LESSON_TEST_TOOLS)
	$(Q)scripts/deps.sh check
	$(Q)$(MAKE) --no-print-directory grader-prereqs EDITION=student
	$(Q)$(MAKE) --no-print-directory grader-prereqs EDITION=instructor
	$(Q)python3 $(LESSON_TESTS)/test_lesson.py --make "$(MAKE)" --build $(BUILD) \
	    --flavour $(BUILD_FLAVOUR) --lesson $(LESSON) --summary $(BUILD)/test-summary.txt

bench-lesson:
	$(Q)scripts/deps.sh check
	$(Q)$(LESSON_TESTS)/bench-lesson.sh "$(MAKE)" $(BUILD) $(LESSON)

-include $(LESSON_MAIN_OBJ:.o=.d) $(RUNNER_MAIN_OBJ:.o=.d) $(LESSON_KIT_OBJS:.o=.d) $(LESSON_STUDENT_KIT_OBJS:.o=.d) $(JUDGE_OBJS:.o=.d)
