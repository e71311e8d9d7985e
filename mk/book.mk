# mk/book.mk: the lesson's post, built from the kit's own code and runs.
#
#   make book LESSON=3.2       build/book/3.2.html and build/book/3.2.pdf
#   make book LESSON=3.2 BOOK_EDITION=student   (or make book-student)
#                              build/book/3.2-student.html and .pdf: the student
#                              edition, stubs in place of the reference solutions
#   make test-book             the book's tests (appends to build/test-summary.txt)
#
# The pipeline, one rule each, every input a prerequisite:
#
#   reference lesson binary, book/LESSON/runs, claims, LESSON.md
#                  --(book/scripts/book_numbers.py)--> data/NAME.csv (the runs),
#                     numbers.tsv (every number and expression the text quotes),
#                     claims.log (every comparison holds, or the build stops)
#   data/*.csv     --(gnuplot, book/LESSON/figures/NAME.gp)--> fig/NAME.svg, fig/NAME.pdf
#   book/LESSON/LESSON.md --(pandoc, book/lua/*.lua)--> LESSON.html and LESSON.tex --(pdflatex)--> LESSON.pdf
#
# Two editions come out of the same Markdown, runs and figures
# (book/lua/edition.lua): the full post, and the student edition, where each
# listing cut from solutions/ shows the stub under lessons/ and a note that
# the reference is withheld. The student edition is built here, in the full
# kit (its numbers and figures need the reference build), and shipped
# prebuilt in the student tarball (make dist-student); inside that edition,
# `make book` points to the shipped files.
#
# Work files live in build/book/LESSON/; the products in build/book/.
# Same inputs, same bytes: SOURCE_DATE_EPOCH (default: the original post's
# date) fixes the PDF's dates; the ID is fixed; nothing else carries a time.

BOOK_SRC      := book/$(LESSON)
BOOK_MD       := $(BOOK_SRC)/$(LESSON).md
BOOK_RUNS     := $(BOOK_SRC)/runs
BOOK_CLAIMS   := $(BOOK_SRC)/claims
BOOK_WORK     ?= $(BUILD)/book/$(LESSON)
BOOK_HTML     ?= $(BUILD)/book/$(LESSON).html
BOOK_PDF      ?= $(BUILD)/book/$(LESSON).pdf
BOOK_STUDENT_HTML ?= $(BUILD)/book/$(LESSON)-student.html
BOOK_STUDENT_PDF  ?= $(BUILD)/book/$(LESSON)-student.pdf
# Which edition `make book` and `make book-files` build: full or student.
BOOK_EDITION  ?= full
ifeq ($(BOOK_EDITION),full)
BOOK_EDITION_FILES = $(BOOK_HTML) $(BOOK_PDF)
else ifeq ($(BOOK_EDITION),student)
BOOK_EDITION_FILES = $(BOOK_STUDENT_HTML) $(BOOK_STUDENT_PDF)
else
$(error Unknown BOOK_EDITION=$(BOOK_EDITION); valid editions: full student)
endif
# The reference build of the lesson program (a file target of mk/lesson.mk:
# build/opt/LESSON/solutions_LESSON/lesson, or its SANITIZE=1 twin).
BOOK_LESSON_BIN ?= $(or $(REFERENCE_LESSON),$(BUILD)/opt/$(LESSON)/solutions_$(LESSON)/lesson)

BOOK_FIGURES  := $(patsubst $(BOOK_SRC)/figures/%.gp,%,$(wildcard $(BOOK_SRC)/figures/*.gp))
BOOK_SVGS     := $(BOOK_FIGURES:%=$(BOOK_WORK)/fig/%.svg)
BOOK_PDFFIGS  := $(BOOK_FIGURES:%=$(BOOK_WORK)/fig/%.pdf)
# Source files the listings are cut from: a change to one rebuilds the book.
# (Only existing ones: a missing file is reported by book/lua/listing.lua.)
BOOK_INCLUDE_PATHS := $(shell sed -n 's/.*include="\([^"]*\)".*/\1/p' $(BOOK_MD) 2>/dev/null | sort -u)
BOOK_INCLUDES := $(wildcard $(BOOK_INCLUDE_PATHS))
# The student edition cuts the same markers from the stubs instead.
BOOK_STUDENT_INCLUDES := $(wildcard $(patsubst solutions/%,lessons/%,$(BOOK_INCLUDE_PATHS)))
BOOK_FILTERS  := book/lua/edition.lua book/lua/listing.lua book/lua/numbers.lua book/lua/math.lua book/lua/breaks.lua
BOOK_STYLE    := book/style/template.html book/style/book.css book/style/header.tex
# The PDF's date: SOURCE_DATE_EPOCH if set, else the date of the original
# post (2025-06-18). Not the time of a commit: git history is not an input,
# so a checkout, a tarball and a rebuild all give the same bytes.
BOOK_EPOCH    := $(or $(SOURCE_DATE_EPOCH),1750204800)

# Shared by both outputs. Images are written without extension in the text
# (![...](fig/NAME)): SVG for HTML, vector PDF for LaTeX.
BOOK_PANDOC := pandoc --from=markdown+fenced_divs+bracketed_spans --fail-if-warnings \
    --lua-filter=book/lua/edition.lua --lua-filter=book/lua/listing.lua --lua-filter=book/lua/numbers.lua --lua-filter=book/lua/math.lua --lua-filter=book/lua/breaks.lua \
    --metadata=numbers-file:$(BOOK_WORK)/numbers.tsv --metadata=claims-file:$(BOOK_CLAIMS) \
    --number-sections --toc --toc-depth=2 --highlight-style=tango --resource-path=$(BOOK_WORK)

.PHONY: book book-student book-files test-book

# The book runs the reference build and cuts the reference solutions, so it
# is built in the full kit only. The student edition of the kit (no
# solutions/) ships its book prebuilt: there, `make book` points to it.
ifneq ($(wildcard solutions/$(LESSON)/.),)

book:
	$(Q)scripts/deps.sh book
	$(Q)$(MAKE) -s --no-print-directory book-files

book-student:
	$(Q)$(MAKE) -s --no-print-directory book BOOK_EDITION=student

book-files: $(BOOK_EDITION_FILES)

else

book book-student book-files:
	@if [ -f $(BOOK_STUDENT_HTML) ] && [ -f $(BOOK_STUDENT_PDF) ]; then \
	    echo "book: this student edition ships its book prebuilt: open $(BOOK_STUDENT_HTML) or $(BOOK_STUDENT_PDF) (building it needs the reference solutions)"; \
	else \
	    echo "book: this student edition has no reference solutions to build the book from, and its prebuilt $(BOOK_STUDENT_HTML) and $(BOOK_STUDENT_PDF) are gone: unpack them again from the tarball" >&2; exit 1; \
	fi

endif

# --- runs, numbers, claims ----------------------------------------------------
# One program (book/scripts/book_numbers.py): the runs, every number and every
# expression the text quotes, and the claims. A claim the runs no longer
# support stops the book. claims.log and data/ are written with numbers.tsv.
$(BOOK_WORK)/numbers.tsv: $(BOOK_LESSON_BIN) $(BOOK_RUNS) $(BOOK_CLAIMS) $(BOOK_MD) book/scripts/book_numbers.py
	$(call say,NUMBERS,$(BOOK_RUNS))
	$(Q)mkdir -p $(@D)
	$(Q)python3 book/scripts/book_numbers.py build --bin $(BOOK_LESSON_BIN) --runs $(BOOK_RUNS) \
	    --claims $(BOOK_CLAIMS) --md $(BOOK_MD) --work $(BOOK_WORK)

$(BOOK_WORK)/claims.log: $(BOOK_WORK)/numbers.tsv ;

# --- figures --------------------------------------------------------------------
BOOK_FIG_DEPS := $(BOOK_WORK)/numbers.tsv book/gnuplot/common.gp

$(BOOK_WORK)/fig/%.svg: $(BOOK_SRC)/figures/%.gp $(BOOK_FIG_DEPS)
	$(call say,GNUPLOT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)gnuplot -c $< svg $@ $(BOOK_WORK)/data $(BOOK_WORK)/numbers.tsv

# cairo stamps the current time into the PDF; replace it (same length, so the
# cross-reference table stays valid) with SOURCE_DATE_EPOCH.
$(BOOK_WORK)/fig/%.pdf: $(BOOK_SRC)/figures/%.gp $(BOOK_FIG_DEPS)
	$(call say,GNUPLOT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)gnuplot -c $< pdf $@.tmp $(BOOK_WORK)/data $(BOOK_WORK)/numbers.tsv
	$(Q)date=$$(date -u -d @$(BOOK_EPOCH) +%Y%m%d%H%M%S) && \
	    LC_ALL=C sed -e "s|/CreationDate (D:[0-9]\{14\}Z)|/CreationDate (D:$${date}Z)|" $@.tmp > $@
	$(Q)rm -f $@.tmp

# --- the two editions: HTML (one file, figures embedded, MathML) and PDF ------------
# $(call book_edition_rules,EDITION,HTML,PDF,TEX NAME,LISTING SOURCES)
# The PDF: pandoc writes LaTeX, pdflatex typesets it in BOOK_WORK, up to four
# passes until the table of contents and references settle. FORCE_SOURCE_DATE
# makes pdfTeX take its dates from SOURCE_DATE_EPOCH. Each edition has its own
# job name in BOOK_WORK, so both can be typeset at once.
define book_edition_rules
$(2): $$(BOOK_MD) $$(BOOK_FILTERS) $(5) $$(BOOK_WORK)/numbers.tsv $$(BOOK_WORK)/claims.log \
        $$(BOOK_SVGS) book/style/template.html book/style/book.css
	$$(call say,PANDOC,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)SOURCE_DATE_EPOCH=$$(BOOK_EPOCH) $$(BOOK_PANDOC) --metadata=edition:$(1) --to=html5 --mathml --self-contained \
	    --template=book/style/template.html --css=book/style/book.css \
	    --default-image-extension=svg --output=$$@.tmp $$(BOOK_MD)
	$$(Q)mv $$@.tmp $$@

$$(BOOK_WORK)/$(4).tex: $$(BOOK_MD) $$(BOOK_FILTERS) $(5) $$(BOOK_WORK)/numbers.tsv $$(BOOK_WORK)/claims.log \
        $$(BOOK_PDFFIGS) book/style/header.tex
	$$(call say,PANDOC,$$@)
	$$(Q)SOURCE_DATE_EPOCH=$$(BOOK_EPOCH) $$(BOOK_PANDOC) --metadata=edition:$(1) --to=latex --standalone \
	    --include-in-header=book/style/header.tex \
	    --variable=documentclass:article --variable=papersize:a4 --variable=fontsize:11pt \
	    --variable=geometry:margin=2.2cm --variable=colorlinks:true --variable=linkcolor:blue \
	    --default-image-extension=pdf --output=$$@.tmp $$(BOOK_MD)
	$$(Q)mv $$@.tmp $$@

$(3): $$(BOOK_WORK)/$(4).tex
	$$(call say,PDFLATEX,$$@)
	$$(Q)cd $$(BOOK_WORK) && for pass in 1 2 3 4; do \
	    SOURCE_DATE_EPOCH=$$(BOOK_EPOCH) FORCE_SOURCE_DATE=1 \
	    pdflatex -interaction=nonstopmode -halt-on-error $(4).tex > $(4).pdflatex.out 2>&1 || \
	        { grep -A8 '^!' $(4).log >&2; echo "book: pdflatex failed; full log: $$(BOOK_WORK)/$(4).log" >&2; exit 1; }; \
	    grep -q 'Rerun to get' $(4).log || break; \
	done
	$$(Q)mkdir -p $$(@D)
	$$(Q)cp $$(BOOK_WORK)/$(4).pdf $$@
endef

$(eval $(call book_edition_rules,full,$(BOOK_HTML),$(BOOK_PDF),$(LESSON),$(BOOK_INCLUDES)))
$(eval $(call book_edition_rules,student,$(BOOK_STUDENT_HTML),$(BOOK_STUDENT_PDF),$(LESSON)-student,$(BOOK_STUDENT_INCLUDES)))

# --- tests -----------------------------------------------------------------------------
# Builds both editions, then checks them (tests/book/check_book.py): the
# Markdown's structure and rules, listings, numbers and claims, the HTML, the
# PDF, the filters' failure modes, the student edition (no line of the
# reference solution, every section, one note per withheld listing), and
# byte-reproducibility (a second build elsewhere).
ifneq ($(wildcard solutions/$(LESSON)/.),)
test-book:
	$(Q)scripts/deps.sh test
	$(Q)$(MAKE) -s --no-print-directory book-files BOOK_EDITION=full
	$(Q)$(MAKE) -s --no-print-directory book-files BOOK_EDITION=student
	$(Q)python3 tests/book/check_book.py --lesson $(LESSON) --build $(BUILD) \
	    --work $(BOOK_WORK) --html $(BOOK_HTML) --pdf $(BOOK_PDF) \
	    --student-html $(BOOK_STUDENT_HTML) --student-pdf $(BOOK_STUDENT_PDF) --bin $(BOOK_LESSON_BIN) \
	    --summary $(BUILD)/test-summary.txt
else
test-book:
	@echo 'test-book: the book is built and tested in the full kit (the student edition ships it prebuilt): nothing to run'
endif

# The live explorer of the HTML editions (lesson 3.2): mk/explorer.mk.
include mk/explorer.mk
