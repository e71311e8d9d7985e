# How far each schedule can move the weights: the running sum of its rates.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
set ylabel 'sum of the rates so far, Σ η_{/*1.25 t}'
set xrange [0:*]
set yrange [0:*]
limit = val('exponential.initial_lr') / (1 - val('exponential.gamma'))
set arrow 1 from graph 0, first limit to graph 1, first limit nohead lt 7 lw 1.5
set label 1 sprintf('η_{/*1.25 0} / (1 − γ) = %.3g', limit) at graph 0.98, first limit right offset 0,0.8
plot csv('constant')         using 1:2 smooth cumulative with lines lt 1 title 'constant (100 epochs)', \
     csv('step')             using 1:2 smooth cumulative with lines lt 2 title 'step decay (100 epochs)', \
     csv('exponential_g099') using 1:2 smooth cumulative with lines lt 6 title 'exponential γ = 0.99', \
     csv('exponential_300')  using 1:2 smooth cumulative with lines lt 3 title 'exponential γ = 0.95 (300 epochs)'
