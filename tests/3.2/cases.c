/* cases.c: the graded tests of lesson 3.2 and how a golden case is checked. */
#include "cases.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "data.h"
#include "hints.h"
#include "rng.h"
#include "train.h"

/* Points: the lr sequences weigh most (they pin the rule down exactly); the
 * curves show the effect on training. Hidden checks exist only in the
 * instructor edition (hidden.c). */
const GradedTest GRADED_TESTS[] = {
    {SCHED_CONSTANT, "lr", "keeps the initial rate (lr 0.1, 0.05, 1.2)", 2, false, CHECK_GOLDEN},
    {SCHED_CONSTANT, "curve", "loss: the post's demo, 37 samples, lr 1.2 (diverges)", 2,
     false, CHECK_GOLDEN},
    {SCHED_CONSTANT, "hidden", "hidden check: random rates", 1, false, CHECK_HIDDEN},
    {SCHED_STEP, "lr-post", "the post's StepLR (50, 0.1) and step 7, gamma 0.5", 3,
     false, CHECK_GOLDEN},
    {SCHED_STEP, "lr-edges", "step size 1, gamma 1, step 3, step > epochs, gamma 2", 3, false,
     CHECK_GOLDEN},
    {SCHED_STEP, "curve", "loss: the post's demo, 37 samples, mini-batches", 2, false,
     CHECK_GOLDEN},
    {SCHED_STEP, "hidden", "hidden check: random step sizes and gammas", 2, false, CHECK_HIDDEN},
    {SCHED_EXPONENTIAL, "lr-post", "the post's ExponentialLR (gamma 0.95, 200 epochs)", 3, false,
     CHECK_GOLDEN},
    {SCHED_EXPONENTIAL, "lr-edges", "gamma 0.5, 1, 1.05 (growth), 0.99 over 300 epochs", 3,
     false, CHECK_GOLDEN},
    {SCHED_EXPONENTIAL, "curve", "loss: the post's demo, 37 samples", 2, false,
     CHECK_GOLDEN},
    {SCHED_EXPONENTIAL, "hidden", "hidden check: random gammas", 2, false, CHECK_HIDDEN},
    {SCHED_PLATEAU, "basic", "flat metric; falling then flat metric", 2, false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "patience", "patience 0 and 1; improvements that reset the count", 2, false,
     CHECK_GOLDEN},
    {SCHED_PLATEAU, "cooldown", "cooldown 1, 2, 3", 2, false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "min-lr", "the min_lr floor", 1, false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "eps", "eps vetoes tiny reductions", 1, false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "best", "improvement counts from best, not the last value", 2,
     false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "threshold", "rel and abs thresholds, threshold 0, negative metrics", 2,
     false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "mode-max", "mode max (higher is better), rel and abs", 2, false,
     CHECK_GOLDEN},
    {SCHED_PLATEAU, "curve", "loss where it fires: on train and on val loss", 2, false,
     CHECK_GOLDEN},
    {SCHED_PLATEAU, "hidden", "hidden check: random options and metrics", 3, false,
     CHECK_HIDDEN},
    {SCHED_WARMUP_COSINE, "lr", "warm-up 10/100, 5/40 with min_lr, no warm-up", 2, true,
     CHECK_GOLDEN},
    {SCHED_WARMUP_COSINE, "curve", "loss curve of the post's demo", 1, true, CHECK_GOLDEN},
    {SCHED_WARMUP_COSINE, "hidden", "hidden check: random warm-ups", 1, true, CHECK_HIDDEN},
};
const int GRADED_TEST_COUNT = (int)(sizeof GRADED_TESTS / sizeof GRADED_TESTS[0]);

void graded_test_id(const GradedTest *t, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", SCHED_NAMES[t->sched], t->name);
}

/* ------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------ */

typedef struct {
    char *buf;
    size_t size, len;
} Text;

static void add(Text *t, const char *fmt, ...)
{
    if (t->len + 1 >= t->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->len = t->len + (size_t)k < t->size ? t->len + (size_t)k : t->size - 1;
}

/* The shortest text that reads back as the same double ("0.1", not
 * "0.10000000000000001"): what Python's repr prints. */
static const char *num(double v, char *buf, size_t size)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v || isnan(v))
            break;
    }
    return buf;
}

/* The submission's run of one case. */
typedef struct {
    int n;
    double *lr;
    double *loss;      /* curves only */
    double *val_loss;  /* curves with validation only */
} Run;

static void describe_case(Text *t, const GoldenCase *c)
{
    char settings[256];
    sched_describe(&c->sched, settings, sizeof settings);
    if (c->is_curve) {
        const TrainSettings *tr = &c->train;
        add(t, "%s (%s; training: seed %d, %d samples, %d epochs%s%s%s%s)", c->id, settings,
            tr->seed, tr->samples, tr->epochs, tr->batch_size ? ", mini-batches" : "",
            tr->val_every ? ", validation split" : "",
            tr->metric == METRIC_VAL_LOSS && c->sched.kind == SCHED_PLATEAU ? ", watches val loss" : "",
            tr->mlp ? ", MLP" : "");
    } else {
        add(t, "%s (%s; %d epochs)", c->id, settings, c->n);
    }
}

/* Rows around the first difference: epoch, [metric,] expected/got lr [and loss]. */
static void add_table(Text *t, const GoldenCase *c, const Run *r, int first)
{
    bool loss = c->is_curve;
    bool metric = !loss && c->sched.kind == SCHED_PLATEAU;
    char a[32], b[32];
    add(t, "\n  %5s", "epoch");
    if (metric)
        add(t, " %-14s", "metric");
    add(t, " %-22s %-22s", "expected lr", "your lr");
    if (loss)
        add(t, " %-14s %-14s", "expected loss", "your loss");
    int from = first - 2 < 0 ? 0 : first - 2, to = first + 3 > c->n ? c->n : first + 3;
    for (int e = from; e < to; e++) {
        add(t, "\n  %5d", e);
        if (metric)
            add(t, " %-14.8g", c->metric[e]);
        add(t, " %-22s %-22s", num(c->lr[e], a, sizeof a), num(r->lr[e], b, sizeof b));
        if (loss)
            add(t, " %-14.8g %-14.8g", c->loss[e], r->loss[e]);
        if (e == first)
            add(t, "  <- first difference");
    }
}

static void write_plot_data(const char *path, const GoldenCase *c, const Run *r)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f, "# %s %s\n", c->id, c->is_curve ? "curve" : "replay");
    for (int e = 0; e < c->n; e++) {
        fprintf(f, "%d %.17g %.17g", e, c->lr[e], r->lr[e]);
        if (c->is_curve)
            fprintf(f, " %.17g %.17g", c->loss[e], r->loss[e]);
        else
            fprintf(f, " %.17g", c->metric[e]);
        fputc('\n', f);
    }
    fclose(f);
}

/* ------------------------------------------------------------------------
 * Running one case with the submission
 * ------------------------------------------------------------------------ */

static void run_replay(const GoldenCase *c, Run *r)
{
    SchedStorage storage;
    Scheduler *s = sched_build(&storage, &c->sched);
    r->n = c->n;
    r->lr = calloc((size_t)c->n, sizeof(double));
    for (int e = 0; e < c->n; e++) {
        r->lr[e] = s->lr;
        s->step(s, c->metric[e]);
    }
}

static int run_curve(const GoldenCase *c, Run *r)
{
    const TrainSettings *ts = &c->train;
    Generator g;
    rng_manual_seed(&g, (uint64_t)ts->seed);
    Dataset all = ts->sine ? dataset_sine(&g, ts->samples) : dataset_linear(&g, ts->samples, NULL);
    Dataset train_set, val_set;
    dataset_split(&all, ts->val_every, &train_set, &val_set);
    Model model;
    if (ts->mlp)
        model_init_mlp(&model, &g, 1, ts->width, 1);
    else
        model_init_linear(&model, &g, 1, 1);
    SchedStorage storage;
    Scheduler *s = sched_build(&storage, &c->sched);
    TrainConfig cfg = {.epochs = ts->epochs, .batch_size = ts->batch_size,
                       .momentum = ts->momentum, .metric = ts->metric};
    Curve curve;
    curve_init(&curve, ts->val_every > 1);
    int status = train(&model, &train_set, ts->val_every > 1 ? &val_set : NULL, s, &cfg, &g, &curve);
    r->n = curve.n;
    r->lr = curve.lr;          /* the Run takes the curve's arrays */
    r->loss = curve.loss;
    r->val_loss = curve.val_loss;
    model_free(&model);
    dataset_free(&val_set);
    dataset_free(&train_set);
    dataset_free(&all);
    return status;
}

/* ------------------------------------------------------------------------
 * Comparing
 * ------------------------------------------------------------------------ */

static int first_lr_difference(const GoldenCase *c, const Run *r, Tolerance t)
{
    for (int e = 0; e < c->n; e++)
        if (!within(c->lr[e], r->lr[e], t))
            return e;
    return -1;
}

static int first_loss_difference(const GoldenCase *c, const Run *r, bool *in_val)
{
    for (int e = 0; e < c->n; e++) {
        if (!within(c->loss[e], r->loss[e], LOSS_TOLERANCE)) {
            *in_val = false;
            return e;
        }
        if (c->val_loss && r->val_loss && !within(c->val_loss[e], r->val_loss[e], LOSS_TOLERANCE)) {
            *in_val = true;
            return e;
        }
    }
    return -1;
}

static void add_hint(Text *t, Diagnosis d)
{
    add(t, "\nhint [%s]: %s", d.hint->id, d.hint->text);
    if (d.also)
        add(t, "\n  or [%s]: %s", d.also->id, d.also->text);
}

/* Checks one case; 0 = pass, 1 = fail with the message in t. */
static int check_case(const Golden *g, int ci, Text *t, const char *plot_data)
{
    const GoldenCase *c = &g->cases[ci];
    Run r = {0};
    if (c->is_curve) {
        if (run_curve(c, &r) != 0 || r.n != c->n) {
            describe_case(t, c);
            add(t, ": training produced %d epochs instead of %d", r.n, c->n);
            return 1;
        }
    } else {
        run_replay(c, &r);
    }
    Tolerance lt = lr_tolerance(&c->sched);
    char tol[128];
    int first = first_lr_difference(c, &r, lt);
    int status = 0;
    if (first >= 0) {
        describe_case(t, c);
        char a[32], b[32];
        add(t, ":\nthe learning rate first differs at epoch %d: expected %s, got %s", first,
            num(c->lr[first], a, sizeof a), num(r.lr[first], b, sizeof b));
        add_table(t, c, &r, first);
        tolerance_describe(lt, tol, sizeof tol);
        add(t, "\n  tolerance: %s", tol);
        add_hint(t, classify(&c->sched, c->lr, r.lr, c->n, g, ci));
        status = 1;
    } else if (c->is_curve) {
        bool in_val = false;
        first = first_loss_difference(c, &r, &in_val);
        if (first >= 0) {
            describe_case(t, c);
            add(t, ":\nthe %s loss first differs at epoch %d: expected %.9g, got %.9g "
                   "(the rates match)",
                in_val ? "validation" : "training", first,
                in_val ? c->val_loss[first] : c->loss[first],
                in_val ? r.val_loss[first] : r.loss[first]);
            add_table(t, c, &r, first);
            tolerance_describe(LOSS_TOLERANCE, tol, sizeof tol);
            add(t, "\n  tolerance: %s", tol);
            add_hint(t, (Diagnosis){hint_find("loss-differs"), NULL, first});
            status = 1;
        }
    }
    if (status && plot_data)
        write_plot_data(plot_data, c, &r);
    free(r.lr);
    free(r.loss);
    free(r.val_loss);
    return status;
}

int run_golden_test(const Golden *g, const GradedTest *test, const char *plot_data, char *msg,
                    size_t msg_size)
{
    char id[64];
    graded_test_id(test, id, sizeof id);
    Text t = {msg, msg_size, 0};
    msg[0] = '\0';
    int checked = 0;
    for (int i = 0; i < g->ncases; i++) {
        if (strcmp(g->cases[i].test, id) != 0)
            continue;
        checked++;
        if (check_case(g, i, &t, plot_data) != 0)
            return 1;
    }
    if (checked == 0) {
        add(&t, "no golden case is tagged %s: the golden data and the graders disagree "
                "(regenerate with make golden)", id);
        return 1;
    }
    return 0;
}
