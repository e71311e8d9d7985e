# The learning rate each schedule uses in each epoch.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
set ylabel 'learning rate η_{/*1.25 t}'
set xrange [0:*]
set yrange [0:0.12]
plot csv('constant')      using 1:2 with lines lt 1 title 'constant', \
     csv('step')          using 1:2 with lines lt 2 title 'step decay', \
     csv('exponential')   using 1:2 with lines lt 3 title 'exponential', \
     csv('plateau')       using 1:2 with lines lt 4 title 'reduce on plateau (never fires)', \
     csv('warmup_cosine') using 1:2 with lines lt 5 title 'warm-up + cosine'
