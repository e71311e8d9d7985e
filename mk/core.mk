# mk/core.mk: the training core (common/), its Check suites and its benchmark.
#
#   $(KIT_LIB)   build/<flavour>/lib/libkit.a from common/*.c; everything links it
#   test-core    builds and runs tests/common/check_*.c from the repository root,
#                prints each suite's Check summary, appends "core <passed> <failed>"
#                (counted in Check tests) to $(BUILD)/test-summary.txt
#   bench-core   ns per epoch of the lesson's models, and PyTorch's when available
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

# Runs every suite even when one fails; a suite that dies before Check's
# summary line counts as one failed test. Each suite's full output is kept in
# <suite>.log next to it, and shown when the suite fails.
.PHONY: test-core
test-core: $(CORE_CHECKS)
	@mkdir -p $(BUILD)
	@passed=0; failed=0; status=0; \
	for check in $(CORE_CHECKS); do \
	    log=$$check.log; \
	    $$check >$$log 2>&1; rc=$$?; \
	    summary=$$(grep -E '^[0-9]+%: Checks: [0-9]+' $$log | tail -n 1); \
	    if [ -z "$$summary" ]; then \
	        printf '  %-8s %-14s died before its summary (exit %s)\n' CHECK $${check##*/} $$rc; \
	        cat $$log; failed=$$((failed + 1)); status=1; continue; \
	    fi; \
	    set -- $$(printf '%s\n' "$$summary" | sed 's/[^0-9 ]//g'); \
	    passed=$$((passed + $$2 - $$3 - $$4)); failed=$$((failed + $$3 + $$4)); \
	    printf '  %-8s %-14s %s\n' CHECK $${check##*/} "$$summary"; \
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
CORE_BENCH := $(CORE_OUT)/bench/bench_core

$(CORE_BENCH): bench/bench_core.c $(KIT_LIB)
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(KIT_CFLAGS) -O2 $(DEPFLAGS) $< $(KIT_LIB) $(LDFLAGS) $(LDLIBS) -o $@

.PHONY: bench-core
bench-core: $(CORE_BENCH)
	$(Q)$(CORE_BENCH) --results $(CORE_OUT)/bench/bench_core.txt
	$(Q)if /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then \
	    /usr/bin/python3 bench/torch_demo.py --compare $(CORE_OUT)/bench/bench_core.txt; \
	else \
	    echo "bench-core: PyTorch not found (scripts/deps.sh torch installs it); no comparison"; \
	fi

-include $(CORE_OBJS:.o=.d) $(CORE_TEST_DIR)/*.d $(CORE_BENCH).d
