# Constant learning rates on both sides of the stability bound 2 / lambda_max.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
bound = val('lr_bound')
set ylabel 'training loss (MSE, log scale)'
set logscale y
set format y '10^{%L}'
set key outside right top title sprintf('η  (bound %.3g)', bound)
rates = '0.10 0.30 0.50 0.70 0.90 0.97 1.03 1.10 1.20 1.30'
# Below the bound: blues, darker for larger rates; above: reds.
colour(r) = (real(r) < bound) ? int(0x0000ff + int((1 - real(r)) * 180) * 0x010100) : int(0xd00000 + int((real(r) - 1) * 400) * 0x000101)
plot for [r in rates] csv('sweep_'.r) using 1:3 with lines lw 2 lc rgb colour(r) title r
