# mk/book.mk: the lesson's post, built from the kit's own code and runs.
#
#   make book LESSON=3.2       build/book/3.2.html and build/book/3.2.pdf
#   make test-book             the book's tests (appends to build/test-summary.txt)
#
# The pipeline, one rule each, every input a prerequisite:
#
#   reference lesson binary --(book/scripts/runs.sh, book/LESSON/runs)--> data/NAME.csv
#   data/*.csv     --(book/scripts/numbers.awk)--> numbers.tsv     (every number the text quotes)
#   numbers.tsv    --(book/scripts/claims.awk, book/LESSON/claims)--> claims.log (every comparison holds)
#   data/*.csv     --(gnuplot, book/LESSON/figures/NAME.gp)--> fig/NAME.svg, fig/NAME.pdf
#   book/LESSON/LESSON.md --(pandoc, book/lua/*.lua)--> LESSON.html and LESSON.tex --(pdflatex)--> LESSON.pdf
#
# Work files live in build/book/LESSON/; the two products in build/book/.
# Same inputs, same bytes: SOURCE_DATE_EPOCH (default: the original post's
# date) fixes the PDF's dates; the ID is fixed; nothing else carries a time.

BOOK_SRC      := book/$(LESSON)
BOOK_MD       := $(BOOK_SRC)/$(LESSON).md
BOOK_RUNS     := $(BOOK_SRC)/runs
BOOK_CLAIMS   := $(BOOK_SRC)/claims
BOOK_WORK     ?= $(BUILD)/book/$(LESSON)
BOOK_HTML     ?= $(BUILD)/book/$(LESSON).html
BOOK_PDF      ?= $(BUILD)/book/$(LESSON).pdf
# The reference build of the lesson program (a file target of mk/lesson.mk:
# build/opt/LESSON/solutions_LESSON/lesson, or its SANITIZE=1 twin).
BOOK_LESSON_BIN ?= $(or $(REFERENCE_LESSON),$(BUILD)/opt/$(LESSON)/solutions_$(LESSON)/lesson)

BOOK_FIGURES  := $(patsubst $(BOOK_SRC)/figures/%.gp,%,$(wildcard $(BOOK_SRC)/figures/*.gp))
BOOK_SVGS     := $(BOOK_FIGURES:%=$(BOOK_WORK)/fig/%.svg)
BOOK_PDFFIGS  := $(BOOK_FIGURES:%=$(BOOK_WORK)/fig/%.pdf)
# Source files the listings are cut from: a change to one rebuilds the book.
# (Only existing ones: a missing file is reported by book/lua/listing.lua.)
BOOK_INCLUDES := $(wildcard $(shell sed -n 's/.*include="\([^"]*\)".*/\1/p' $(BOOK_MD) 2>/dev/null | sort -u))
BOOK_FILTERS  := book/lua/listing.lua book/lua/numbers.lua
BOOK_STYLE    := book/style/template.html book/style/book.css book/style/header.tex
# The PDF's date: SOURCE_DATE_EPOCH if set, else the date of the original
# post (2025-06-18). Not the time of a commit: git history is not an input,
# so a checkout, a tarball and a rebuild all give the same bytes.
BOOK_EPOCH    := $(or $(SOURCE_DATE_EPOCH),1750204800)

# Shared by both outputs. Images are written without extension in the text
# (![...](fig/NAME)): SVG for HTML, vector PDF for LaTeX.
BOOK_PANDOC := pandoc --from=markdown+fenced_divs+bracketed_spans --fail-if-warnings \
    --lua-filter=book/lua/listing.lua --lua-filter=book/lua/numbers.lua \
    --metadata=numbers-file:$(BOOK_WORK)/numbers.tsv --metadata=claims-file:$(BOOK_CLAIMS) \
    --number-sections --toc --toc-depth=2 --highlight-style=tango --resource-path=$(BOOK_WORK)

# The book shows the reference solutions and runs the reference build: the
# student edition (no solutions/) cannot build it, and says so.
book_needs_solutions = @test -f solutions/$(LESSON)/schedulers.c || { \
    echo "book: solutions/$(LESSON)/ is missing (the student edition has no reference solutions);" \
         "the book's exercise solutions, figures and numbers come from them: build it from the full kit" >&2; exit 1; }

.PHONY: book book-files test-book
book:
	$(book_needs_solutions)
	$(Q)scripts/deps.sh book
	$(Q)$(MAKE) -s --no-print-directory book-files

book-files: $(BOOK_HTML) $(BOOK_PDF)

# --- runs, numbers, claims ----------------------------------------------------
$(BOOK_WORK)/data/.runs: $(BOOK_LESSON_BIN) $(BOOK_RUNS) book/scripts/runs.sh
	$(call say,RUN,$(BOOK_RUNS))
	$(Q)rm -rf $(BOOK_WORK)/data
	$(Q)book/scripts/runs.sh $(BOOK_LESSON_BIN) $(BOOK_RUNS) $(BOOK_WORK)/data
	$(Q)touch $@

$(BOOK_WORK)/numbers.tsv: $(BOOK_WORK)/data/.runs book/scripts/numbers.awk
	$(call say,NUMBERS,$@)
	$(Q)awk -v datadir=$(BOOK_WORK)/data -f book/scripts/numbers.awk $(BOOK_RUNS) | LC_ALL=C sort > $@.tmp
	$(Q)mv $@.tmp $@

# A claim the runs no longer support stops the book.
$(BOOK_WORK)/claims.log: $(BOOK_WORK)/numbers.tsv $(BOOK_CLAIMS) book/scripts/claims.awk
	$(call say,CLAIMS,$(BOOK_CLAIMS))
	$(Q)awk -f book/scripts/claims.awk $(BOOK_WORK)/numbers.tsv $(BOOK_CLAIMS) > $@.tmp || \
	    { grep -v '^PASS' $@.tmp >&2; rm -f $@.tmp; exit 1; }
	$(Q)mv $@.tmp $@

# --- figures --------------------------------------------------------------------
BOOK_FIG_DEPS := $(BOOK_WORK)/data/.runs $(BOOK_WORK)/numbers.tsv book/gnuplot/common.gp

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

# --- the HTML book: one file, figures embedded, MathML -----------------------------
BOOK_INPUTS := $(BOOK_MD) $(BOOK_FILTERS) $(BOOK_INCLUDES) $(BOOK_WORK)/numbers.tsv $(BOOK_WORK)/claims.log

$(BOOK_HTML): $(BOOK_INPUTS) $(BOOK_SVGS) book/style/template.html book/style/book.css
	$(call say,PANDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)SOURCE_DATE_EPOCH=$(BOOK_EPOCH) $(BOOK_PANDOC) --to=html5 --mathml --self-contained \
	    --template=book/style/template.html --css=book/style/book.css \
	    --default-image-extension=svg --output=$@.tmp $(BOOK_MD)
	$(Q)mv $@.tmp $@

# --- the PDF book: pandoc writes LaTeX, pdflatex typesets it in BOOK_WORK ------------
$(BOOK_WORK)/$(LESSON).tex: $(BOOK_INPUTS) $(BOOK_PDFFIGS) book/style/header.tex
	$(call say,PANDOC,$@)
	$(Q)SOURCE_DATE_EPOCH=$(BOOK_EPOCH) $(BOOK_PANDOC) --to=latex --standalone \
	    --include-in-header=book/style/header.tex \
	    --variable=documentclass:article --variable=papersize:a4 --variable=fontsize:11pt \
	    --variable=geometry:margin=2.2cm --variable=colorlinks:true --variable=linkcolor:blue \
	    --default-image-extension=pdf --output=$@.tmp $(BOOK_MD)
	$(Q)mv $@.tmp $@

# Up to four passes, until the table of contents and references settle.
# FORCE_SOURCE_DATE makes pdfTeX take its dates from SOURCE_DATE_EPOCH.
$(BOOK_PDF): $(BOOK_WORK)/$(LESSON).tex
	$(call say,PDFLATEX,$@)
	$(Q)cd $(BOOK_WORK) && for pass in 1 2 3 4; do \
	    SOURCE_DATE_EPOCH=$(BOOK_EPOCH) FORCE_SOURCE_DATE=1 \
	    pdflatex -interaction=nonstopmode -halt-on-error $(LESSON).tex > pdflatex.out 2>&1 || \
	        { grep -A8 '^!' $(LESSON).log >&2; echo "book: pdflatex failed; full log: $(BOOK_WORK)/$(LESSON).log" >&2; exit 1; }; \
	    grep -q 'Rerun to get' $(LESSON).log || break; \
	done
	$(Q)cp $(BOOK_WORK)/$(LESSON).pdf $@

# --- tests -----------------------------------------------------------------------------
# Builds the book, then checks it (tests/book/check_book.py): the Markdown's
# structure and rules, listings, numbers and claims, the HTML, the PDF, the
# filters' failure modes, and byte-reproducibility (a second build elsewhere).
test-book:
	$(book_needs_solutions)
	$(Q)scripts/deps.sh book
	$(Q)$(MAKE) -s --no-print-directory book-files
	$(Q)python3 tests/book/check_book.py --lesson $(LESSON) --build $(BUILD) \
	    --work $(BOOK_WORK) --html $(BOOK_HTML) --pdf $(BOOK_PDF) --bin $(BOOK_LESSON_BIN) \
	    --summary $(BUILD)/test-summary.txt
