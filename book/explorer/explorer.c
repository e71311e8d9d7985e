/* explorer.c: the post's live explorer, the WebAssembly side.
 *
 * The reader's browser runs the kit's own core (common/: data, model, loss,
 * SGD, the training loop) and the reference schedulers
 * (solutions/3.2/schedulers.c, compiled; the page never holds their source),
 * set up exactly as the lesson program sets up one run of
 * `lesson --schedule NAME ... --csv` (lessons/3.2/main.c):
 *
 *   demo_run_init -> sched_build -> train -> one row per epoch
 *
 * book/explorer/explorer.js calls explorer_run with the settings of the
 * page's controls, then reads the curve straight out of the module's memory
 * (explorer_lr, explorer_loss, explorer_val_loss: doubles, explorer_rows of
 * them), so the page plots the very doubles the core computed.
 *
 * Two numbers the plots mark come from the run's training inputs, computed in
 * double as book/scripts/numbers.awk computes them for the text:
 *   explorer_lr_bound   2 / lambda_max of the MSE's Hessian for y = w x + b
 *                       (full-batch gradient descent on the linear model is
 *                       stable below it)
 *   explorer_loss_star  L*, the least-squares minimum of the training loss
 *                       over all lines w x + b (the best the linear model can do)
 *
 * Built by mk/explorer.mk with clang --target=wasm32-wasi, the same -std,
 * -ffp-contract=off and -fno-fast-math as the native kit, and
 * -DKIT_NO_FMA_CLONES (the one portable version of each kernel).
 */
#include <math.h>
#include <stdlib.h>

#include "curve.h"
#include "demo.h"
#include "schedule_factory.h"
#include "train.h"

#define EXPORT(name) __attribute__((export_name(#name)))

/* The post's data: lessons/3.2/main.c's defaults that the explorer does not
 * offer as controls. */
enum { EXPLORER_SAMPLES = 200, EXPLORER_MLP_WIDTH = 16 };
/* A page must stay responsive: the longest run it offers (a 5000-epoch MLP
 * run takes seconds). */
enum { EXPLORER_MAX_EPOCHS = 5000 };

static Curve curve;            /* the last run's rows */
static double lr_bound = NAN;  /* of the last run's training inputs */
static double loss_star = NAN;
static const char *error_text = "";

/* Why the last explorer_run returned an error ("" after a run that worked). */
EXPORT(explorer_error) const char *explorer_error(void) { return error_text; }
EXPORT(explorer_rows) int explorer_rows(void) { return curve.n; }
EXPORT(explorer_has_val) int explorer_has_val(void) { return curve.has_val; }
EXPORT(explorer_lr) const double *explorer_lr(void) { return curve.lr; }
EXPORT(explorer_loss) const double *explorer_loss(void) { return curve.loss; }
EXPORT(explorer_val_loss) const double *explorer_val_loss(void) { return curve.val_loss; }
EXPORT(explorer_lr_bound) double explorer_lr_bound(void) { return lr_bound; }
EXPORT(explorer_loss_star) double explorer_loss_star(void) { return loss_star; }

/* The bound and L* of the training set (see the top of this file). */
static void analyse_training_set(const Dataset *d)
{
    double sx = 0, sxx = 0, sy = 0, sxy = 0;
    const double n = d->n;
    for (int i = 0; i < d->n; i++) {
        const double x = d->x[i], y = d->y[i];
        sx += x; sxx += x * x; sy += y; sxy += x * y;
    }
    /* H = (2/n) [[sum x^2, sum x], [sum x, n]]: its largest eigenvalue. */
    const double hww = 2 * sxx / n, hwb = 2 * sx / n, hbb = 2;
    const double half_trace = (hww + hbb) / 2, det = hww * hbb - hwb * hwb;
    lr_bound = 2 / (half_trace + sqrt(half_trace * half_trace - det));
    /* The normal equations of least squares, then the mean squared residual. */
    const double w = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    const double b = (sy - w * sx) / n;
    double sse = 0;
    for (int i = 0; i < d->n; i++) {
        const double r = w * d->x[i] + b - d->y[i];
        sse += r * r;
    }
    loss_star = sse / n;
}

/* The lesson program's checks of these settings (lessons/3.2/main.c,
 * check_options), as one sentence for the page; NULL when they are fine. */
static const char *settings_problem(SchedKind kind, double lr, int epochs, int seed,
                                    const SchedSettings *s, int batch_size, int val_every,
                                    Metric metric)
{
    if (kind >= SCHED_KINDS) return "unknown schedule";
    if (!(lr >= 0) || !isfinite(lr)) return "the learning rate must be a number >= 0";
    if (epochs < 1 || epochs > EXPLORER_MAX_EPOCHS) return "epochs must be between 1 and 5000";
    if (seed < 0) return "the seed must be >= 0";
    if (s->step_size < 1) return "the step size must be >= 1";
    if (!(s->gamma > 0)) return "gamma must be > 0";
    if (!(s->plateau.factor > 0 && s->plateau.factor < 1)) return "the factor must be between 0 and 1";
    if (s->plateau.patience < 0) return "the patience must be >= 0";
    if (!(s->plateau.threshold >= 0)) return "the threshold must be >= 0";
    if (s->plateau.cooldown < 0) return "the cooldown must be >= 0";
    if (!(s->plateau.min_lr >= 0)) return "the minimum rate must be >= 0";
    if (s->warmup < 0) return "the warm-up must be >= 0";
    if (kind == SCHED_WARMUP_COSINE && s->total <= s->warmup)
        return "the cosine's last epoch (total) must come after the warm-up";
    if (kind == SCHED_WARMUP_COSINE && lr == 0) return "warm-up + cosine needs a rate > 0";
    if (batch_size < 0) return "the batch size must be >= 0 (0: full batch)";
    if (val_every < 0 || val_every == 1 || val_every > EXPLORER_SAMPLES)
        return "the validation split must be none, or every K-th sample with K >= 2";
    if (metric == METRIC_VAL_LOSS && val_every == 0)
        return "watching the validation loss needs a validation set";
    return NULL;
}

/* One run of the lesson's experiment with these settings (the lesson
 * program's flags in brackets): the rows are then read with explorer_rows,
 * explorer_lr, ... Returns the number of rows, or -1 with explorer_error
 * saying why (bad settings, or out of memory). `total` 0 means --epochs,
 * as in the lesson program. */
EXPORT(explorer_run)
int explorer_run(int schedule /* --schedule, as SchedKind */, double lr /* --lr */,
                 int epochs /* --epochs */, int seed /* --seed */,
                 int step_size /* --step-size */, double gamma /* --gamma */,
                 double factor /* --factor */, int patience /* --patience */,
                 double threshold /* --threshold */, int cooldown /* --cooldown */,
                 double min_lr /* --min-lr */, int watch_val /* --plateau-metric val */,
                 int warmup /* --warmup */, int total /* --total */,
                 int batch_size /* --batch-size */, int val_every /* --val-every */,
                 int mlp /* --model mlp */)
{
    curve_free(&curve);
    lr_bound = loss_star = NAN;
    const SchedKind kind = schedule >= 0 && schedule < SCHED_KINDS ? (SchedKind)schedule : SCHED_KINDS;
    const SchedSettings s = {
        .kind = kind, .lr = lr, .step_size = step_size, .gamma = gamma,
        .plateau = {.mode = PLATEAU_MIN, .factor = factor, .patience = patience,
                    .threshold = threshold, .threshold_mode = THRESHOLD_REL,
                    .cooldown = cooldown, .min_lr = min_lr, .eps = 1e-8},
        .warmup = warmup, .total = total ? total : epochs};
    const Metric metric = watch_val ? METRIC_VAL_LOSS : METRIC_TRAIN_LOSS;
    const char *problem = settings_problem(kind, lr, epochs, seed, &s, batch_size, val_every, metric);
    if (problem) {
        error_text = problem;
        return -1;
    }
    const DemoSettings settings = {
        .seed = seed, .samples = EXPLORER_SAMPLES, .sine = false, .val_every = val_every,
        .mlp = mlp != 0, .width = EXPLORER_MLP_WIDTH,
        .train = {.epochs = epochs, .batch_size = batch_size, .momentum = 0, .metric = metric}};
    DemoRun run;
    demo_run_init(&run, &settings);
    analyse_training_set(&run.train_set);
    SchedStorage storage;
    Scheduler *sched = sched_build(&storage, &s);
    const int status = train(&run.model, &run.train_set, &run.val_set, sched, &settings.train,
                             &run.g, &curve);
    demo_run_free(&run);
    if (status != 0) {
        error_text = status == -1 ? "out of memory" : "the training settings do not fit the data";
        curve_free(&curve);
        return -1;
    }
    error_text = "";
    return curve.n;
}
