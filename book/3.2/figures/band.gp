# The band a constant rate settles in grows with the rate (mini-batches of 10).
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
rates = '0.02 0.10 0.30 0.50'
# The spreads, from numbers.tsv, as an inline table: rate, training, validation.
set print $bands
print 'lr,band,band_val'   # a header: the plots read the first row as column names
do for [r in rates] {
    print sprintf('%s,%.17g,%.17g', r, val('band_'.r.'.band'), val('band_'.r.'.band_val'))
}
unset print

set multiplot layout 1,2 margins 0.1,0.98,0.19,0.95 spacing 0.11,0
# Left: the validation loss of the smallest and the largest rate.
lo = val('band_0.02.min_val')
set yrange [lo * 0.8 : lo * 2.2]
set xrange [0:*]
set ylabel 'validation loss (end of each epoch)'
set key top right
plot csv('band_0.50') using 1:4 with lines lt 2 lw 1.5 title 'η = 0.5', \
     csv('band_0.02') using 1:4 with lines lt 3 lw 2 title 'η = 0.02'
# Right: the spread of the losses from epoch band_from on, against the rate.
unset yrange
set xrange [0.015:0.7]
set logscale xy
set format y '10^{%L}'
set xtics (0.02, 0.05, 0.1, 0.2, 0.5)
set xlabel 'learning rate η (log scale)'
set ylabel sprintf('spread (std. dev., epochs %d+)', int(val('set.band_from')))
set key top left
plot $bands using 1:2 with linespoints lt 1 pt 7 ps 1.1 title 'training loss', \
     $bands using 1:3 with linespoints lt 2 pt 5 ps 1.1 title 'validation loss'
unset multiplot
