# Mini-batch SGD over the seeds: the mean training loss with its band, and
# each seed's difference step decay minus constant rate.
panels = 2
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
set multiplot layout 2,1
set style fill transparent solid 0.12 noborder
set xrange [0:*]
lo = val('mb_step.tail_loss.mean')
set yrange [lo * 0.9 : lo * 1.25]
set ylabel 'training loss'
set title sprintf('%d seeds: mean and 10–90%% band', int(val('mb_step.n')))
plot csv('mb_constant') using 1:4:5 with filledcurves lt 1 notitle, \
     csv('mb_step')     using 1:4:5 with filledcurves lt 2 notitle, \
     csv('mb_constant') using 1:3 with lines lt 1 title 'constant η = 0.1', \
     csv('mb_step')     using 1:3 with lines lt 2 title 'step decay (×0.1 at epoch 50)', \
     csv('mb_exponential') using 1:3 with lines lt 3 title 'exponential (γ = 0.95)'
unset yrange
set xrange [-1:30]
set xlabel 'seed'
set ylabel 'step − constant (×10^{/*1.25 -3})'
set ytics 0.4
set title sprintf('per seed: last %d epochs', int(val('set.tail')))
set arrow 1 from -1, 0 to 30, 0 nohead lt 7
plot csv('mb_step_vs_mb_constant.tail_loss') using 1:($2*1000) with points lt 2 pt 7 ps 0.9 title 'training loss', \
     csv('mb_step_vs_mb_constant.tail_val')  using 1:($2*1000) with points lt 1 pt 4 ps 0.9 title 'validation loss'
unset multiplot
