# The band a constant rate settles in grows with the rate (mini-batches, over seeds).
panels = 2
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
rates = '0.02 0.10 0.30 0.50'
set print $bands
print 'lr,band,sd'
do for [r in rates] {
    print sprintf('%s,%.17g,%.17g', r, val('band_'.r.'.band.mean'), val('band_'.r.'.band.sd'))
}
unset print
set multiplot layout 2,1
set style fill transparent solid 0.25 noborder
lo = val('band_0.02.min_loss.mean')
set yrange [lo * 0.9 : lo * 1.6]
set xrange [0:*]
set ylabel 'training loss'
set title sprintf('%d seeds: mean and 10–90%% band', int(val('band_0.02.n')))
plot csv('band_0.50') using 1:4:5 with filledcurves lt 2 notitle, \
     csv('band_0.02') using 1:4:5 with filledcurves lt 3 notitle, \
     csv('band_0.50') using 1:3 with lines lt 2 title 'η = 0.5', \
     csv('band_0.02') using 1:3 with lines lt 3 title 'η = 0.02'
unset yrange
set title ''
set xrange [0.015:0.7]
set logscale xy
set format y '10^{/*1.25 %L}'
set ytics 100
set mytics 1
set xtics (0.02, 0.05, 0.1, 0.2, 0.5)
set xlabel 'learning rate η (log scale)'
set ylabel sprintf('spread, epochs %d+', int(val('set.band_from')))
plot $bands using 1:2:3 with yerrorlines lt 1 pt 7 ps 1.1 title 'training loss: mean ± sd over seeds'
unset multiplot
