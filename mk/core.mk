# mk/core.mk: the training core (common/), its Check suites and its benchmark.
#
#   $(KIT_LIB)   build/<flavour>/lib/libkit.a from common/*.c; everything links it
#   test-core    builds and runs tests/common/check_*.c from the repository root,
#                twice: on $(KIT_LIB) (CHECK lines) and on the portable build
#                described below (NO-FMA lines); prints each suite's Check
#                summary, appends "core <passed> <failed>" (counted in Check
#                tests, both builds) to $(BUILD)/test-summary.txt
#   bench-core   ns per epoch of the lesson's models, and PyTorch's when
#                available; then the same runs on the portable build
#
# Hardware FMA and AVX2: the exact kernels (torch_tanhf, torch_sinf, the randn
# block, the SGD update, tanh's backward) are compiled twice, with and without
# FMA instructions, and the CPU picks one at load time (common/fma_clones.h);
# the hot ones also have AVX2+FMA twins, 8 lanes at a time, taken when the
# CPU runs them (common/avx2.h). All must give the same bits. The portable
# build, build/<flavour>/no-fma-clones/, compiles common/*.c with
# -DKIT_NO_FMA_CLONES: only the scalar version without FMA instructions, whose
# fmaf() calls glibc. test-core runs it with
# GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA, which makes glibc's fmaf() take its
# software emulation as on a CPU without FMA. So the core suites prove both
# paths exact on one machine.
#
# Included by the top Makefile, which defines BUILD, BUILD_FLAVOUR, KIT_CFLAGS,
# CHECK_CFLAGS, CHECK_LIBS, LDLIBS, LDFLAGS, Q and say.

CORE_OUT     := $(BUILD)/$(BUILD_FLAVOUR)
CORE_OBJ_DIR := $(CORE_OUT)/obj/common
CORE_SRCS    := $(wildcard common/*.c)
CORE_OBJS    := $(patsubst common/%.c,$(CORE_OBJ_DIR)/%.o,$(CORE_SRCS))
KIT_LIB      := $(CORE_OUT)/lib/libkit.a

# -MMD -MP: each object also writes a .d file listing the headers it read, so
# editing a header rebuilds exactly what uses it.
DEPFLAGS := -MMD -MP

$(CORE_OBJ_DIR)/%.o: common/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(KIT_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(KIT_LIB): $(CORE_OBJS)
	@mkdir -p $(@D)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $(CORE_OBJS)

# The portable build (see the top of this file): the same sources and flags,
# plus -DKIT_NO_FMA_CLONES. Run it with CORE_NO_FMA_ENV to force glibc's
# software fmaf() as well.
CORE_NO_FMA_OUT  := $(CORE_OUT)/no-fma-clones
CORE_NO_FMA_OBJS := $(patsubst common/%.c,$(CORE_NO_FMA_OUT)/obj/common/%.o,$(CORE_SRCS))
CORE_NO_FMA_LIB  := $(CORE_NO_FMA_OUT)/lib/libkit.a
CORE_NO_FMA_ENV  := GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA

$(CORE_NO_FMA_OUT)/obj/common/%.o: common/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(KIT_CFLAGS) -DKIT_NO_FMA_CLONES $(DEPFLAGS) -c $< -o $@

$(CORE_NO_FMA_LIB): $(CORE_NO_FMA_OBJS)
	@mkdir -p $(@D)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $(CORE_NO_FMA_OBJS)

# ---------------------------------------------------------------------------
# Check suites: tests/common/check_<unit>.c, one executable each, plus the
# golden-file reader they share (tests/common/core_test.c).
# ---------------------------------------------------------------------------
CORE_TEST_DIR    := $(CORE_OUT)/tests/common
CORE_CHECK_SRCS  := $(wildcard tests/common/check_*.c)
CORE_CHECKS      := $(patsubst tests/common/%.c,$(CORE_TEST_DIR)/%,$(CORE_CHECK_SRCS))
CORE_TEST_CFLAGS  = $(KIT_CFLAGS) $(CHECK_CFLAGS) -Itests/common -DGOLDEN_DIR='"tests/golden"'
CORE_TEST_SUPPORT := $(CORE_TEST_DIR)/core_test.o

$(CORE_TEST_DIR)/%.o: tests/common/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CORE_TEST_CFLAGS) $(DEPFLAGS) -c $< -o $@

# Keep the objects: they are not throw-away intermediates.
.SECONDARY: $(CORE_CHECKS:=.o) $(CORE_TEST_SUPPORT)

$(CORE_TEST_DIR)/check_%: $(CORE_TEST_DIR)/check_%.o $(CORE_TEST_SUPPORT) $(KIT_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $< $(CORE_TEST_SUPPORT) $(KIT_LIB) $(CHECK_LIBS) $(LDLIBS) -o $@

# The same suites (the same objects) linked with the portable build, except
# check_kernels, which compares the AVX2 twins with the scalar references:
# the portable build has no twins.
CORE_NO_FMA_TEST_DIR := $(CORE_NO_FMA_OUT)/tests/common
CORE_NO_FMA_CHECKS   := $(patsubst tests/common/%.c,$(CORE_NO_FMA_TEST_DIR)/%,\
                          $(filter-out tests/common/check_kernels.c,$(CORE_CHECK_SRCS)))

$(CORE_NO_FMA_TEST_DIR)/check_%: $(CORE_TEST_DIR)/check_%.o $(CORE_TEST_SUPPORT) $(CORE_NO_FMA_LIB)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $< $(CORE_TEST_SUPPORT) $(CORE_NO_FMA_LIB) $(CHECK_LIBS) $(LDLIBS) -o $@

# Runs every suite of both builds even when one fails; a suite that dies
# before Check's summary line counts as one failed test. Each suite's full
# output is kept in <suite>.log next to it, and shown when the suite fails.
# An entry of the loop is LABEL:path; NO-FMA suites run with CORE_NO_FMA_ENV.
.PHONY: test-core
test-core: $(CORE_CHECKS) $(CORE_NO_FMA_CHECKS)
	@mkdir -p $(BUILD)
	@passed=0; failed=0; status=0; \
	for entry in $(CORE_CHECKS:%=CHECK:%) $(CORE_NO_FMA_CHECKS:%=NO-FMA:%); do \
	    label=$${entry%%:*}; check=$${entry#*:}; log=$$check.log; \
	    if [ $$label = NO-FMA ]; then run_env='$(CORE_NO_FMA_ENV)'; else run_env=; fi; \
	    env $$run_env $$check >$$log 2>&1; rc=$$?; \
	    summary=$$(grep -E '^[0-9]+%: Checks: [0-9]+' $$log | tail -n 1); \
	    if [ -z "$$summary" ]; then \
	        printf '  %-8s %-14s died before its summary (exit %s)\n' $$label $${check##*/} $$rc; \
	        cat $$log; failed=$$((failed + 1)); status=1; continue; \
	    fi; \
	    set -- $$(printf '%s\n' "$$summary" | sed 's/[^0-9 ]//g'); \
	    passed=$$((passed + $$2 - $$3 - $$4)); failed=$$((failed + $$3 + $$4)); \
	    printf '  %-8s %-14s %s\n' $$label $${check##*/} "$$summary"; \
	    if [ $$rc -ne 0 ] || [ $$(($$3 + $$4)) -ne 0 ]; then \
	        grep -v -E '^(Running suite|[0-9]+%: Checks)' $$log; status=1; \
	    fi; \
	done; \
	echo "core $$passed $$failed" >> $(BUILD)/test-summary.txt; \
	echo "test-core: $$passed passed, $$failed failed"; \
	exit $$status

# ---------------------------------------------------------------------------
# Benchmark: no pass/fail, only figures.
# ---------------------------------------------------------------------------
CORE_BENCH        := $(CORE_OUT)/bench/bench_core
CORE_NO_FMA_BENCH := $(CORE_NO_FMA_OUT)/bench/bench_core

$(CORE_BENCH): bench/bench_core.c $(KIT_LIB)
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(KIT_CFLAGS) -O2 $(DEPFLAGS) $< $(KIT_LIB) $(LDFLAGS) $(LDLIBS) -o $@

$(CORE_NO_FMA_BENCH): bench/bench_core.c $(CORE_NO_FMA_LIB)
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(KIT_CFLAGS) -O2 $(DEPFLAGS) $< $(CORE_NO_FMA_LIB) $(LDFLAGS) $(LDLIBS) -o $@

# The portable build last, as on a CPU without FMA (glibc's software fmaf):
# fewer epochs, as its MLP is some 100 times slower.
.PHONY: bench-core
bench-core: $(CORE_BENCH) $(CORE_NO_FMA_BENCH)
	$(Q)$(CORE_BENCH) --results $(CORE_OUT)/bench/bench_core.txt
	$(Q)if /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then \
	    /usr/bin/python3 bench/torch_demo.py --compare $(CORE_OUT)/bench/bench_core.txt; \
	else \
	    echo "bench-core: PyTorch not found (scripts/deps.sh torch installs it); no comparison"; \
	fi
	$(Q)echo "bench-core: the portable build (-DKIT_NO_FMA_CLONES, $(CORE_NO_FMA_ENV)), as on a CPU without FMA"
	$(Q)$(CORE_NO_FMA_ENV) $(CORE_NO_FMA_BENCH) --epochs 500 --repeats 3

-include $(CORE_OBJS:.o=.d) $(CORE_NO_FMA_OBJS:.o=.d) $(CORE_TEST_DIR)/*.d $(CORE_BENCH).d $(CORE_NO_FMA_BENCH).d
