# common.gp: what every figure of the book shares. A figure script starts with
#     call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
# and is run by mk/book.mk as
#     gnuplot -c book/LESSON/figures/NAME.gp FORMAT OUTPUT DATADIR NUMBERS
# FORMAT is svg (the HTML book: embedded) or pdf (the PDF book: vector, cairo).
# DATADIR holds the runs' CSV files, NUMBERS the numbers.tsv of the runs.

if (ARGC < 4) { print "usage: gnuplot -c FIGURE.gp svg|pdf OUTPUT DATADIR NUMBERS"; exit status 2 }
format  = ARG1
output  = ARG2
datadir = ARG3
numbers = ARG4

# Sizes: a figure script may set `panels = 2` before the call for two
# panels stacked (twice as tall). SVG: 600 px wide, text 16 px, so that it is
# >= 9 px on a 390 px phone (the image scales to the column) and 16 px on a
# desktop (shown at its own size). PDF: 5.2 in wide, shown at that size in the
# 6.5 in text column, text 10 pt (fontscale 1: pdfcairo's default halves it).
if (!exists('panels')) { panels = 1 }
if (format eq 'svg') {
    set terminal svg size 600,(panels == 2 ? 880 : 520) dynamic enhanced font 'Helvetica,16' linewidth 1.5 background rgb 'white'
} else {
    if (format eq 'pdf') {
        set terminal pdfcairo size 5.2in,(panels == 2 ? 7.2 : 4.3)*1in enhanced font 'Helvetica,10' fontscale 1.0 linewidth 1.2
    } else {
        print sprintf("figure: unknown format '%s' (svg or pdf)", format); exit status 2
    }
}
set output output
set encoding utf8
set datafile separator ','
set key autotitle columnhead

# csv(name): the CSV file of run NAME; val(key): a number of numbers.tsv.
csv(name) = sprintf('%s/%s.csv', datadir, name)
val(key) = real(system(sprintf("awk -F'\t' '$1 == \"%s\" { found = 1; print $2 } END { if (!found) print \"nan\" }' '%s'", key, numbers)))

# A colour-blind-safe palette (Okabe-Ito), one colour per schedule everywhere.
set linetype 1 lc rgb '#0072B2' lw 2 dt 1   # constant
set linetype 2 lc rgb '#D55E00' lw 2 dt 1   # step
set linetype 3 lc rgb '#009E73' lw 2 dt 1   # exponential
set linetype 4 lc rgb '#CC79A7' lw 2 dt 2   # plateau
set linetype 5 lc rgb '#E69F00' lw 2 dt 1   # warm-up + cosine
set linetype 6 lc rgb '#56B4E9' lw 2 dt 1
set linetype 7 lc rgb '#000000' lw 1 dt 3   # reference lines
set linetype 8 lc rgb '#999999' lw 2 dt 1

set border 3 lw 1
set tics nomirror out
set grid xtics ytics lc rgb '#dddddd' lw 1 dt 1
# Legends sit below the plot, outside the data.
set key outside bottom center horizontal Left reverse maxcols 2 noopaque nobox samplen 2 spacing 1.1 width -2
set xlabel 'epoch'
# Log axes: a labelled tic every two decades at most, so labels never collide.
set ytics autofreq
# excess(y): the loss above the least-squares minimum L*, floored at 1e-8 so
# that a run at L* (to float32 rounding) sits at the bottom edge of a log axis.
lstar = val('lstar')
excess(y) = (y - lstar > 1e-8) ? y - lstar : 1e-8
