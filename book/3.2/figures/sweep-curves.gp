# Constant learning rates on both sides of the stability bound 2 / lambda_max,
# in two panels: the converging rates' excess loss, the diverging rates' loss.
panels = 2
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
bound = val('lr_bound')
set logscale y
set format y '10^{/*1.25 %L}'
set ytics 100
set mytics 1
unset mytics
set xrange [0:*]
set multiplot layout 2,1
above(r) = int(200 - 150 * (real(r) - bound) / 0.35)
# Above the bound: reds, darker as the rate grows.
colour(r) = 230 * 0x10000 + above(r) * 0x100 + above(r)
set title sprintf('below the bound %.3g: excess loss L − L*', bound)
set ylabel 'L − L* (log scale)'
# Six distinct colours (Okabe-Ito): 0.1 and 0.97 are both slow and must not look alike.
rates_below = '0.10 0.30 0.50 0.70 0.90 0.97'
colours_below = '#56B4E9 #009E73 #E69F00 #0072B2 #CC79A7 #000000'
plot for [i = 1:6] csv('sweep_'.word(rates_below, i)) using 1:(excess($3)) with lines lw 2 dt 1 lc rgb word(colours_below, i) title 'η = '.word(rates_below, i)
set title 'above the bound: the loss grows'
set ytics 10000
set ylabel 'loss L (log scale)'
plot for [r in '1.03 1.10 1.20 1.30'] csv('sweep_'.r) using 1:3 with lines lw 2 dt 1 lc rgb colour(r) title 'η = '.r
unset multiplot
