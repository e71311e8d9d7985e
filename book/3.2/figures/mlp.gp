# The MLP on sin(3x) over the seeds: validation loss of five schedules, and
# each seed's difference from the constant rate.
panels = 2
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
set multiplot layout 2,1
set style fill transparent solid 0.2 noborder
set xrange [0:*]
set yrange [0.005:0.05]
set ytics 0.01
set ylabel 'validation loss'
set title sprintf('%d seeds: mean and 10–90%% band', int(val('mlp_constant.n')))
set xtics 50
set arrow 1 from graph 0, first 0.01 to graph 1, first 0.01 nohead lt 7
set key maxcols 2 maxrows 3
plot csv('mlp_constant') using 1:7:8 with filledcurves lt 1 notitle, \
     csv('mlp_cosine')   using 1:7:8 with filledcurves lt 5 notitle, \
     csv('mlp_constant')    using 1:6 with lines lt 1 title 'constant', \
     csv('mlp_cosine')      using 1:6 with lines lt 5 title 'warm-up + cosine', \
     csv('mlp_step')        using 1:6 with lines lt 2 title 'step', \
     csv('mlp_exponential') using 1:6 with lines lt 3 title 'exponential', \
     csv('mlp_plateau')     using 1:6 with lines lt 4 title 'plateau', \
     csv('mlp_constant_0.05') using 1:6 with lines lt 7 lw 2 dt 2 title 'constant 0.05'
unset arrow 1
unset yrange
set xrange [0.5:5.5]
set xtics ('step' 1, 'exp.' 2, 'plateau' 3, 'cosine' 4, 'vs 0.05' 5)
set xlabel ''
set ylabel 'schedule − constant 0.2'
set title sprintf('per seed: last %d epochs', int(val('set.tail')))
set arrow 2 from 0.5, 0 to 5.5, 0 nohead lt 7
jitter(m) = (int(m) % 10 - 4.5) * 0.03
plot csv('mlp_step_vs_mlp_constant.tail_val')        using (1 + jitter($1)):2 with points lt 2 pt 7 ps 0.8 notitle, \
     csv('mlp_exponential_vs_mlp_constant.tail_val') using (2 + jitter($1)):2 with points lt 3 pt 7 ps 0.8 notitle, \
     csv('mlp_plateau_vs_mlp_constant.tail_val')     using (3 + jitter($1)):2 with points lt 4 pt 7 ps 0.8 notitle, \
     csv('mlp_cosine_vs_mlp_constant.tail_val')      using (4 + jitter($1)):2 with points lt 5 pt 7 ps 0.8 notitle, \
     csv('mlp_cosine_vs_mlp_constant_0.05.tail_val') using (5 + jitter($1)):2 with points lt 5 pt 6 ps 0.8 notitle
unset multiplot
