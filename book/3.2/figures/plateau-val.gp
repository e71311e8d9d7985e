# Reduce-on-plateau driven by the validation loss: where it fires.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
fire = val('mb_plateau_val.first_drop')
lo = val('mb_plateau_val.min_loss')
set ylabel 'loss'
set y2label 'learning rate (log scale)'
# Both losses in view: from just below the training loss's lowest value to
# a little above the validation loss's.
set yrange [lo * 0.9 : val('mb_plateau_val.min_val') * 1.25]
set xtics 20
set logscale y2
set format y2 '10^{/*1.25 %L}'
set ytics nomirror
set y2tics nomirror out
set border 11 lw 1
set xrange [0:*]
set arrow 1 from fire, graph 0 to fire, graph 1 nohead lt 7 lw 1.5
set label 1 sprintf(' first cut: epoch %d', fire) at fire, graph 0.35 left
plot csv('mb_plateau_val') using 1:3 with lines lt 1 lw 1.5 title 'training loss', \
     csv('mb_plateau_val') using 1:4 with lines lt 2 lw 2.5 title 'validation loss', \
     csv('mb_plateau_val') using 1:2 axes x1y2 with steps lt 4 title 'learning rate (right axis)'
