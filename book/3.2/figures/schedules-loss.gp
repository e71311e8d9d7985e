# The excess training loss L - L* of each schedule, full batch, the post's settings.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
set ylabel 'L − L* (log scale)'
set logscale y
set format y '10^{/*1.25 %L}'
set ytics 100
set mytics 1
set xrange [0:*]
plot csv('constant')      using 1:(excess($3)) with lines lt 1 title 'constant', \
     csv('step')          using 1:(excess($3)) with lines lt 2 title 'step decay (×0.1 at epoch 50)', \
     csv('exponential')   using 1:(excess($3)) with lines lt 3 title 'exponential (γ = 0.95)', \
     csv('plateau')       using 1:(excess($3)) with lines lt 4 title 'reduce on plateau (never fires)', \
     csv('warmup_cosine') using 1:(excess($3)) with lines lt 5 title 'warm-up + cosine'
