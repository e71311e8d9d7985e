# The last loss of each sweep run against its rate, with the bound.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
bound = val('lr_bound')
epochs = int(val('sweep_0.10.epochs'))
set xlabel 'learning rate η'
set ylabel sprintf('loss after %d epochs (log scale)', epochs)
set logscale y
set format y '10^{/*1.25 %L}'
set ytics 100
set mytics 1
unset mytics
set xrange [0:1.4]
set arrow 1 from bound, graph 0 to bound, graph 1 nohead lt 7 lw 1.5
set label 1 sprintf('2/λ_{/*1.25 max} = %.3g', bound) at bound, graph 0.92 right offset -0.8,0
plot csv('sweep') using 1:2 with linespoints lt 1 pt 7 ps 1.2 title 'constant rate η'
