# Mini-batch SGD over the seeds, compared seed by seed: each schedule's
# training loss minus the constant rate's on the same seed, per epoch, and
# each seed's difference over the last epochs.
panels = 2
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
set multiplot layout 2,1
set style fill transparent solid 0.25 noborder
set xrange [0:*]
set ylabel 'minus constant (×10^{/*1.25 -3})'
set title sprintf('%d seeds, paired: mean and 10–90%% band', int(val('mb_step.n')))
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lt 7
plot csv('mb_step_vs_mb_constant.curve')        using 1:($3*1000):($4*1000) with filledcurves lt 2 notitle, \
     csv('mb_exponential_vs_mb_constant.curve') using 1:($3*1000):($4*1000) with filledcurves lt 3 notitle, \
     csv('mb_step_vs_mb_constant.curve')        using 1:($2*1000) with lines lt 2 title 'step decay (×0.1 at epoch 50)', \
     csv('mb_exponential_vs_mb_constant.curve') using 1:($2*1000) with lines lt 3 title 'exponential (γ = 0.95)'
unset arrow 1
set xrange [-1:30]
set xlabel 'seed'
set ylabel 'step − constant (×10^{/*1.25 -3})'
set ytics 0.4
set title sprintf('each seed: mean of the last %d epochs', int(val('set.tail')))
set arrow 2 from -1, 0 to 30, 0 nohead lt 7
plot csv('mb_step_vs_mb_constant.tail_loss') using 1:($2*1000) with points lt 2 pt 7 ps 0.9 title 'training loss', \
     csv('mb_step_vs_mb_constant.tail_val')  using 1:($2*1000) with points lt 1 pt 4 ps 0.9 title 'validation loss'
unset multiplot
