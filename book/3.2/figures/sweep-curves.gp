# Constant learning rates on both sides of the stability bound 2 / lambda_max.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
bound = val('lr_bound')
set ylabel 'training loss (MSE, log scale)'
set logscale y
set format y '10^{%L}'
unset mytics
set xrange [0:*]
set key outside right top title sprintf('η  (bound %.3g)', bound)
rates = '0.10 0.30 0.50 0.70 0.90 0.97 1.03 1.10 1.20 1.30'
# Below the bound: blues, darker as the rate grows; above it: reds, darker as it grows.
below(r) = int(200 - 180 * real(r) / bound)
above(r) = int(200 - 150 * (real(r) - bound) / 0.35)
colour(r) = (real(r) < bound) ? (below(r) * 0x10000 + below(r) * 0x100 + 255) : (230 * 0x10000 + above(r) * 0x100 + above(r))
plot for [r in rates] csv('sweep_'.r) using 1:3 with lines lw 2 dt 1 lc rgb colour(r) title r
