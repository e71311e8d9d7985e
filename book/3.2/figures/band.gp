# The band a constant rate settles in grows with the rate.
call 'book/gnuplot/common.gp' ARG1 ARG2 ARG3 ARG4
set ylabel 'validation loss (end of each epoch)'
set xrange [0:*]
lo = val('band_0.02.min_val')
set yrange [lo * 0.97 : *]
set key top right
plot csv('band_0.50') using 1:4 with lines lt 2 title 'η = 0.5', \
     csv('band_0.30') using 1:4 with lines lt 5 title 'η = 0.3', \
     csv('band_0.10') using 1:4 with lines lt 1 title 'η = 0.1', \
     csv('band_0.02') using 1:4 with lines lt 3 title 'η = 0.02'
