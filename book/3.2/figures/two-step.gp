# With exact gradients a schedule beats every constant: 1/lambda_max, then 1/lambda_min.
panels = 2
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
set multiplot layout 2,1
set logscale y
set format y '10^{/*1.25 %L}'
set ytics 100
set mytics 1
set yrange [1e-8:20]
set ylabel 'L − L* (log scale)'
# Top: the two-step schedule against good constant rates, the first epochs.
set xrange [0:15]
set title 'two epochs at the inverse curvatures'
plot csv('two_step')   using 1:(excess($3)) with linespoints lt 2 pt 7 ps 1.2 title 'two-step: η = 1/λ_{/*1.25 max}, then 1/λ_{/*1.25 min}', \
     csv('const_0.75') using 1:(excess($3)) with linespoints lt 1 pt 5 ps 0.8 title 'constant η = 0.75', \
     csv('sweep_0.50') using 1:(excess($3)) with linespoints lt 6 pt 9 ps 0.8 title 'constant η = 0.5'
# Bottom: 0.97 held against 0.97 decayed once.
set xrange [0:*]
set title 'η = 0.97, held or decayed once at epoch 25'
plot csv('sweep_0.97') using 1:(excess($3)) with lines lt 1 title 'constant η = 0.97', \
     csv('decay_0.97') using 1:(excess($3)) with lines lt 2 title 'step decay 0.97 → 0.75'
unset multiplot
