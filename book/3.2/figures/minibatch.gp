# Mini-batch SGD: a constant rate keeps bouncing, decay settles.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
set ylabel 'training loss (mean over the epoch''s batches)'
set xrange [0:*]
lo = val('mb_exponential.min_loss')
set yrange [lo * 0.995 : lo * 1.12]
set key top right
plot csv('mb_constant')    using 1:3 with lines lt 1 title 'constant η = 0.1', \
     csv('mb_step')        using 1:3 with lines lt 2 title 'step decay (×0.1 at epoch 50)', \
     csv('mb_exponential') using 1:3 with lines lt 3 title 'exponential (γ = 0.95)'
