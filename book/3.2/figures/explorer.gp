# The explorer's place in the PDF: what its loss plot shows for two of its
# settings, a constant rate below the stability bound and one above it.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
bound = val('lr_bound')
set ylabel 'training loss (MSE, log scale)'
set logscale y
set format y '10^{/*1.25 %L}'
unset mytics
set xrange [0:*]
plot csv('constant')   using 1:3 with lines lt 1 title sprintf('η₀ = 0.1, below the bound %.3g', bound), \
     csv('sweep_1.10') using 1:3 with lines lt 2 title 'η₀ = 1.1, above it: diverges'
