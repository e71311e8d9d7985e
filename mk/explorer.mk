# mk/explorer.mk: the post's live explorer, the kit's core running in the
# reader's browser (lesson 3.2 only). Included by mk/book.mk.
#
#   the core (common/*.c), the lesson's schedule factory, the REFERENCE
#   schedulers (solutions/3.2/schedulers.c) and book/explorer/explorer.c
#       --(clang --target=wasm32-wasi, wasi-libc)--> BOOK_WORK/explorer/explorer.wasm
#   explorer.wasm (base64), book/explorer/explorer.{html,css,js}
#       --(awk)--> BOOK_WORK/explorer/explorer.html   the explorer, one HTML fragment
#   the HTML editions (full and student) are built with book/explorer/explorer.lua,
#   which puts that fragment where the post has its ::: {.explorer} place
#
#   make test-explorer    the browser test (tests/explorer/test_explorer.py): the
#                         explorer's curves against the native reference build's
#                         --csv, in headless Chromium; appends "explorer P F" to
#                         build/test-summary.txt
#   make bench-explorer   the redraw time of a 100-epoch linear run in Chromium
#   make explorer-shots   screenshots at 1280 and 390 px into build/book/explorer-shots/
#
# The WebAssembly build: the kit's flags that fix the arithmetic (-std=c11,
# -ffp-contract=off, -fno-fast-math) and its warnings, plus -DKIT_NO_FMA_CLONES
# (one portable version of each kernel; the target has no x86 anything).
# No -g and --strip-all: the module holds compiled code only, no names and no
# source, which is what lets the student edition ship it. Same sources, same
# bytes: nothing of the build's time or folder gets into the module.

ifeq ($(LESSON),3.2)

EXPLORER_SRC   := book/explorer
EXPLORER_OUT   := $(BOOK_WORK)/explorer
EXPLORER_WASM  := $(EXPLORER_OUT)/explorer.wasm
EXPLORER_HTML  := $(EXPLORER_OUT)/explorer.html
EXPLORER_TESTS := tests/explorer

WASM_CC      ?= clang
WASM_CFLAGS  := --target=wasm32-wasi -std=c11 -O2 -Wall -Wextra -Werror -pedantic $(FP_FLAGS) \
                -DKIT_NO_FMA_CLONES -Icommon -I$(LESSON_DIR)
# A reactor: no main; the page calls _initialize once, then explorer_run.
WASM_LDFLAGS := -mexec-model=reactor -Wl,--strip-all
EXPLORER_C_SRCS := $(EXPLORER_SRC)/explorer.c $(CORE_SRCS) \
                   $(LESSON_KIT_SOURCES:%=$(LESSON_DIR)/%) $(LESSON_STUDENT_KIT_SOURCES:%=$(LESSON_DIR)/%) \
                   $(REFERENCE_DIR)/schedulers.c
EXPLORER_C_DEPS := $(EXPLORER_C_SRCS) $(wildcard common/*.h) \
                   $(LESSON_HEADERS:%=$(LESSON_DIR)/%) mk/explorer.mk

$(EXPLORER_WASM): $(EXPLORER_C_DEPS)
	$(call say,WASM,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(WASM_CC) $(WASM_CFLAGS) $(WASM_LDFLAGS) $(EXPLORER_C_SRCS) -o $@.tmp
	$(Q)mv $@.tmp $@

# Each @NAME@ line of the markup becomes that file's text.
$(EXPLORER_HTML): $(EXPLORER_SRC)/explorer.html $(EXPLORER_SRC)/explorer.css $(EXPLORER_SRC)/explorer.js $(EXPLORER_WASM)
	$(call say,EMBED,$@)
	$(Q)base64 -w 0 $(EXPLORER_WASM) > $@.b64 && echo >> $@.b64
	$(Q)awk -v css=$(EXPLORER_SRC)/explorer.css -v js=$(EXPLORER_SRC)/explorer.js -v wasm=$@.b64 ' \
	    function put(path, line) { while ((getline line < path) > 0) print line; close(path) } \
	    $$0 == "@CSS@" { put(css); next } $$0 == "@JS@" { put(js); next } $$0 == "@WASM@" { put(wasm); next } \
	    { print }' $< > $@.tmp
	$(Q)rm -f $@.b64 && mv $@.tmp $@

# Both HTML editions: the fragment is a prerequisite, and their pandoc runs
# (only theirs: a target-specific addition to BOOK_PANDOC) add the filter.
$(BOOK_HTML) $(BOOK_STUDENT_HTML): $(EXPLORER_HTML) $(EXPLORER_SRC)/explorer.lua
$(BOOK_HTML) $(BOOK_STUDENT_HTML): BOOK_PANDOC += --lua-filter=$(EXPLORER_SRC)/explorer.lua \
    --metadata=explorer-file:$(EXPLORER_HTML)

# --- the browser test, its timing, its screenshots -------------------------------
EXPLORER_TEST = python3 $(EXPLORER_TESTS)/test_explorer.py --html $(BOOK_HTML) \
    --student-html $(BOOK_STUDENT_HTML) --fragment $(EXPLORER_HTML) --wasm $(EXPLORER_WASM) \
    --bin $(BOOK_LESSON_BIN)

.PHONY: test-explorer bench-explorer explorer-shots
ifneq ($(wildcard solutions/$(LESSON)/.),)
test-explorer:
	$(Q)scripts/deps.sh test
	$(Q)$(MAKE) -s --no-print-directory book-files BOOK_EDITION=full
	$(Q)$(MAKE) -s --no-print-directory book-files BOOK_EDITION=student
	$(Q)$(EXPLORER_TEST) --summary $(BUILD)/test-summary.txt

bench-explorer:
	$(Q)scripts/deps.sh test
	$(Q)$(MAKE) -s --no-print-directory book-files BOOK_EDITION=full
	$(Q)$(EXPLORER_TEST) --bench

explorer-shots:
	$(Q)scripts/deps.sh test
	$(Q)$(MAKE) -s --no-print-directory book-files BOOK_EDITION=full
	$(Q)$(EXPLORER_TEST) --shots $(BUILD)/book/explorer-shots
else
test-explorer bench-explorer explorer-shots:
	@echo '$@: the explorer is built and tested in the full kit (the student edition ships it in its prebuilt book): nothing to run'
endif

else
test-explorer bench-explorer explorer-shots:
	@echo '$@: lesson $(LESSON) has no explorer: nothing to run'
endif
