#!/bin/sh
# runs.sh LESSON_BINARY RUNS OUTDIR: run the lesson program once per run of
# the book's run list and keep each run's CSV.
#
#   OUTDIR/NAME.csv        `LESSON_BINARY FLAGS --csv` for each line NAME FLAGS
#   OUTDIR/sweep.csv       lr,final_loss,epochs: one row per sweep_* run (for the sweep figure)
#
# A run that fails stops the book with the run's name, its flags and the
# program's own error line (a flag the program lacks shows up here).
set -eu

bin=$1 runs=$2 outdir=$3

if [ ! -x "$bin" ]; then
    echo "book: the lesson program $bin is missing; make builds it (mk/lesson.mk)" >&2
    exit 1
fi
mkdir -p "$outdir"

# Drop comments, blank lines and settings; what is left is "NAME FLAGS...".
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e '/^[[:space:]]*set[[:space:]]/d' "$runs" |
while read -r name flags; do
    case $name in
    *[!A-Za-z0-9_.-]*) echo "book: run name '$name' in $runs: use letters, digits, '_', '.', '-'" >&2; exit 1 ;;
    esac
    # Word splitting of $flags is intended: they are the program's arguments.
    # shellcheck disable=SC2086
    if ! "$bin" $flags --csv >"$outdir/$name.csv.tmp" 2>"$outdir/$name.err"; then
        echo "book: run '$name' failed: lesson $flags --csv" >&2
        sed -e 's/^/book:   /' "$outdir/$name.err" >&2
        rm -f "$outdir/$name.csv.tmp"
        exit 1
    fi
    if [ -s "$outdir/$name.err" ]; then
        echo "book: run '$name' wrote to stderr (lesson $flags --csv):" >&2
        sed -e 's/^/book:   /' "$outdir/$name.err" >&2
    fi
    rm -f "$outdir/$name.err"
    mv "$outdir/$name.csv.tmp" "$outdir/$name.csv"
done

# The sweep in one table: the rate of each sweep run and its last loss.
for f in "$outdir"/sweep_*.csv; do
    [ -e "$f" ] || continue
    awk -F, 'NR == 2 { lr = $2 } NR > 1 { loss = $3; n++ } END { printf "%.17g,%.17g,%d\n", lr, loss, n }' "$f"
done | LC_ALL=C sort -t, -k1,1g | { echo "lr,final_loss,epochs"; cat; } >"$outdir/sweep.csv.tmp"
mv "$outdir/sweep.csv.tmp" "$outdir/sweep.csv"
