# numbers.awk: the numbers the post quotes, computed from the runs.
#
#   awk -v datadir=DATADIR -f numbers.awk RUNS | LC_ALL=C sort > numbers.tsv
#
# RUNS is the book's run list (book/3.2/runs): its `set KEY VALUE` lines are
# the analysis settings, its other lines name the runs and their flags.
# DATADIR/NAME.csv is each run's output (`epoch,lr,loss[,val_loss]`, written
# by book/scripts/runs.sh). Output: one
# KEY<TAB>VALUE line per number, which book/lua/numbers.lua substitutes for
# {{KEY}} in the text and book/scripts/claims.awk tests claims against.
#
# Per run NAME (epochs counted from 0, as in the CSV):
#   NAME.epochs        number of epochs
#   NAME.initial_loss  loss of epoch 0 (before any update)
#   NAME.final_loss    loss of the last epoch
#   NAME.min_loss      lowest loss; NAME.min_loss_epoch where it was reached
#   NAME.tail_loss     mean loss over the last `tail` epochs
#   NAME.band          standard deviation of the loss from epoch `band_from` on
#   NAME.reach         first epoch whose loss <= `target` (-1: never)
#   NAME.initial_lr, NAME.final_lr, NAME.min_lr
#   NAME.lr_sum        sum of the rates over all epochs (the total step budget)
#   NAME.gamma         lr(1) / lr(0), the decay factor of the first step
#   NAME.first_drop    first epoch whose lr is below lr(0) (-1: never)
#   NAME.drop_factor   lr(first_drop) / lr(first_drop - 1) (1: never drops)
#   NAME.drops         number of epochs whose lr is below the previous epoch's
#   NAME.drop_gap_min, NAME.drop_gap_max
#                      fewest and most epochs between two such drops (-1: < 2 drops)
#   NAME.diverged      1 if the final loss is above the initial one, else 0
#   NAME.growth        final loss / initial loss
# and, when the run has a validation column, the same for it with a `val_`
# suffix: NAME.initial_val, NAME.final_val, NAME.min_val, NAME.min_val_epoch,
# NAME.tail_val, NAME.band_val.
#
# The Hessian of the MSE of y = w x + b, from the inputs of the run named
# `dataset` (the lesson program's --data-csv: i,x,y,split; the training rows;
# the Hessian does not depend on the targets y):
#   H = (2/n) [ sum x^2  sum x ]
#             [ sum x    n     ]
#   samples, hessian.sum_x, hessian.sum_xx
#   hessian.ww, hessian.wb, hessian.bb   its entries
#   lambda_max, lambda_min               its eigenvalues
#   lr_bound      = 2 / lambda_max       (gradient descent is stable below it)
#   lr_best       = 2 / (lambda_max + lambda_min), the fastest constant rate
#   condition     = lambda_max / lambda_min
# and for each run, what its rates do to the error along each eigenvector of
# H on this quadratic loss (full-batch gradient descent multiplies it by
# 1 - eta_t lambda in epoch t):
#   NAME.shrink_min    prod_t |1 - eta_t lambda_min|   (the slow direction)
#   NAME.shrink_max    prod_t |1 - eta_t lambda_max|   (the fast direction)
#
# The sweep runs (names starting with "sweep_"), summarised:
#   sweep.largest_converging    the largest swept rate whose loss fell
#   sweep.smallest_diverging    the smallest swept rate whose loss grew
#   sweep.count
# Settings are also printed as set.KEY, the flags of each run as cmd.NAME.


# --- the run list -------------------------------------------------------------
{
    sub(/#.*/, "")
    if ($0 ~ /^[ \t]*$/) next
    n_fields = split($0, w, /[ \t]+/)
    first = (w[1] == "") ? 2 : 1
    if (w[first] == "set") {
        setting[w[first + 1]] = w[first + 2]
        next
    }
    name = w[first]
    flags = ""
    for (i = first + 1; i <= n_fields; i++) if (w[i] != "") flags = flags (flags == "" ? "" : " ") w[i]
    listed[name] = 1
    run_flags[name] = flags
    next
}

# --- one CSV per run -------------------------------------------------------------
# read_run(NAME): loads datadir/NAME.csv into lr[], loss[], val[].
function read_run(r,    path, line, f, i, e, col_lr, col_loss, col_val, col_x, col_split, status) {
    path = datadir "/" r ".csv"
    status = (getline line < path)
    if (status <= 0) {
        printf "numbers.awk: run %s has no CSV file %s (runs.sh writes it)\n", r, path > "/dev/stderr"
        exit 1
    }
    split(line, f, ",")
    col_lr = col_loss = col_val = col_x = col_split = 0
    for (i in f) {
        if (f[i] == "lr") col_lr = i
        if (f[i] == "loss") col_loss = i
        if (f[i] == "val_loss") col_val = i
        if (f[i] == "x") col_x = i
        if (f[i] == "split") col_split = i
    }
    if (col_x && !col_lr) {      # the dataset (--data-csv): keep the training inputs
        n_x = 0
        while ((getline line < path) > 0) {
            split(line, f, ",")
            if (!col_split || f[col_split] == "train") xs[n_x++] = f[col_x] + 0
        }
        close(path)
        is_dataset[r] = 1
        return
    }
    if (!col_lr || !col_loss) {
        printf "numbers.awk: %s: the header must name lr and loss columns, got: %s\n", path, line > "/dev/stderr"
        exit 1
    }
    has_val[r] = col_val > 0
    e = 0
    while ((getline line < path) > 0) {
        split(line, f, ",")
        lr[r, e] = f[col_lr] + 0
        loss[r, e] = f[col_loss] + 0
        if (col_val) val[r, e] = f[col_val] + 0
        e++
    }
    close(path)
    rows[r] = e
}

# --- helpers ------------------------------------------------------------------------
function out(key, value) { printf "%s\t%s\n", key, value }
function num(key, value) { printf "%s\t%.17g\n", key, value }

function mean_from(arr, r, from, to,    e, s) {
    s = 0
    for (e = from; e < to; e++) s += arr[r, e]
    return s / (to - from)
}

function sd_from(arr, r, from, to,    e, m, s) {
    m = mean_from(arr, r, from, to)
    s = 0
    for (e = from; e < to; e++) s += (arr[r, e] - m) ^ 2
    return sqrt(s / (to - from))
}

function curve_stats(arr, r, kind, n,    e, lo, lo_e, tail, from) {
    # kind is "loss" or "val": the key names are NAME.final_loss, NAME.final_val, ...
    lo = arr[r, 0]; lo_e = 0
    for (e = 1; e < n; e++) if (arr[r, e] < lo) { lo = arr[r, e]; lo_e = e }
    tail = setting["tail"] + 0
    if (tail < 1 || tail > n) tail = n
    from = setting["band_from"] + 0
    if (from >= n) from = 0
    num(r ".initial_" kind, arr[r, 0])
    num(r ".final_" kind, arr[r, n - 1])
    num(r ".min_" kind, lo)
    num(r ".min_" kind "_epoch", lo_e)
    num(r ".tail_" kind, mean_from(arr, r, n - tail, n))
    num(r ".band" (kind == "loss" ? "" : "_" kind), sd_from(arr, r, from, n))
}

END {
    if (datadir == "") {
        print "numbers.awk: set the data folder: awk -v datadir=DIR -f numbers.awk RUNS" > "/dev/stderr"
        exit 1
    }
    for (k in setting) out("set." k, setting[k])
    for (r in listed) {
        out("cmd." r, run_flags[r])
        read_run(r)
        if (!is_dataset[r]) runs[r] = 1
    }

    target = setting["target"] + 0
    for (r in runs) {
        n = rows[r]
        if (n < 2) {
            printf "numbers.awk: run %s has %d epochs; every run needs at least 2\n", r, n > "/dev/stderr"
            exit 1
        }
        num(r ".epochs", n)
        curve_stats(loss, r, "loss", n)
        if (has_val[r]) curve_stats(val, r, "val", n)

        reach = -1
        for (e = 0; e < n; e++) if (loss[r, e] <= target) { reach = e; break }
        num(r ".reach", reach)

        lr_sum = 0; lr_min = lr[r, 0]; first_drop = -1; drops = 0
        gap_min = -1; gap_max = -1; last_drop = -1
        for (e = 0; e < n; e++) {
            lr_sum += lr[r, e]
            if (lr[r, e] < lr_min) lr_min = lr[r, e]
            if (first_drop < 0 && lr[r, e] < lr[r, 0]) first_drop = e
            if (e > 0 && lr[r, e] < lr[r, e - 1]) {
                drops++
                if (last_drop >= 0) {
                    gap = e - last_drop
                    if (gap_min < 0 || gap < gap_min) gap_min = gap
                    if (gap > gap_max) gap_max = gap
                }
                last_drop = e
            }
        }
        num(r ".initial_lr", lr[r, 0])
        num(r ".final_lr", lr[r, n - 1])
        num(r ".min_lr", lr_min)
        num(r ".lr_sum", lr_sum)
        num(r ".gamma", lr[r, 0] != 0 ? lr[r, 1] / lr[r, 0] : 0)
        num(r ".first_drop", first_drop)
        num(r ".drop_factor", first_drop > 0 ? lr[r, first_drop] / lr[r, first_drop - 1] : 1)
        num(r ".drops", drops)
        num(r ".drop_gap_min", gap_min)
        num(r ".drop_gap_max", gap_max)
        growth = loss[r, 0] != 0 ? loss[r, n - 1] / loss[r, 0] : 0
        num(r ".growth", growth)
        num(r ".diverged", loss[r, n - 1] > loss[r, 0] ? 1 : 0)

        if (r ~ /^sweep_/) {
            sweeps++
            rate = lr[r, 0]
            if (loss[r, n - 1] < loss[r, 0]) {
                if (!has_conv || rate > largest_conv) { largest_conv = rate; has_conv = 1 }
            } else {
                if (!has_div || rate < smallest_div) { smallest_div = rate; has_div = 1 }
            }
        }
    }
    if (sweeps) {
        num("sweep.count", sweeps)
        if (has_conv) num("sweep.largest_converging", largest_conv)
        if (has_div) num("sweep.smallest_diverging", smallest_div)
    }

    # The Hessian, from the inputs of the dataset run.
    if (n_x >= 2) {
        sx = 0; sxx = 0
        for (i = 0; i < n_x; i++) {
            sx += xs[i]; sxx += xs[i] * xs[i]
        }
        hww = 2 * sxx / n_x; hwb = 2 * sx / n_x; hbb = 2
        half_trace = (hww + hbb) / 2
        det = hww * hbb - hwb * hwb
        root = sqrt(half_trace * half_trace - det)
        lmax = half_trace + root; lmin = half_trace - root
        num("samples", n_x)
        num("hessian.sum_x", sx)
        num("hessian.sum_xx", sxx)
        num("hessian.ww", hww)
        num("hessian.wb", hwb)
        num("hessian.bb", hbb)
        num("lambda_max", lmax)
        num("lambda_min", lmin)
        num("lr_bound", 2 / lmax)
        num("lr_best", 2 / (lmax + lmin))
        num("condition", lmax / lmin)
        for (r in runs) {
            pmin = 1; pmax = 1
            for (e = 0; e < rows[r]; e++) {
                f = 1 - lr[r, e] * lmin; pmin *= (f < 0 ? -f : f)
                f = 1 - lr[r, e] * lmax; pmax *= (f < 0 ? -f : f)
            }
            num(r ".shrink_min", pmin)
            num(r ".shrink_max", pmax)
        }
    }
}
