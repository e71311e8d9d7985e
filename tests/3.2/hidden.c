/* hidden.c: hidden checks (instructor edition only; see hidden.h). */
#include "hidden.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hints.h"
#include "rng.h"

/* The reference solution, renamed when the instructor grader is linked. */
void ref_constant_init(ConstantScheduler *s, double lr);
void ref_step_decay_init(StepScheduler *s, double lr, int step_size, double gamma);
void ref_exponential_init(ExponentialScheduler *s, double lr, double gamma);
void ref_plateau_init(PlateauScheduler *s, double lr, const PlateauOptions *opt);
void ref_warmup_cosine_init(WarmupCosineScheduler *s, double lr, int warmup, int total,
                            double min_lr);

static const SchedInits REF_INITS = {ref_constant_init, ref_step_decay_init,
                                     ref_exponential_init, ref_plateau_init,
                                     ref_warmup_cosine_init};

/* ------------------------------------------------------------------------
 * Drawing settings from the grading seed (the kit's mt19937)
 * ------------------------------------------------------------------------ */

static int pick_int(Generator *g, int lo, int hi)   /* lo..hi inclusive */
{
    return lo + (int)(rng_random(g) % (uint32_t)(hi - lo + 1));
}

static double pick_real(Generator *g, double lo, double hi)
{
    return lo + (hi - lo) * (rng_random(g) / 4294967296.0);
}

static double pick_of(Generator *g, const double *values, int count)
{
    return values[pick_int(g, 0, count - 1)];
}

enum { MAX_EPOCHS = 200, SETS = 5 };

/* Plateau metrics with clear margins: each value is better or worse than the
 * improvement bound by 1% to 20% of the bound's scale, never close to it, so
 * float and double implementations decide alike. */
static void plateau_metrics(Generator *g, const PlateauOptions *o, double *metric, int n)
{
    bool max = o->mode == PLATEAU_MAX;
    double best = max ? -INFINITY : INFINITY;
    for (int e = 0; e < n; e++) {
        double bound, scale;
        if (!isfinite(best)) {
            metric[e] = pick_real(g, 0.5, 2.0);
            best = metric[e];
            continue;
        }
        if (o->threshold_mode == THRESHOLD_REL)
            bound = max ? best * (o->threshold + 1) : best * (1 - o->threshold);
        else
            bound = max ? best + o->threshold : best - o->threshold;
        scale = fabs(bound) > 1e-3 ? fabs(bound) : 1e-3;
        bool improve = pick_int(g, 0, 99) < 30;
        double delta = pick_real(g, 0.01, 0.2) * scale;
        bool up = improve == max;            /* better means up in mode max */
        metric[e] = up ? bound + delta : bound - delta;
        if (improve)
            best = metric[e];
    }
}

static void draw_settings(Generator *g, SchedKind kind, SchedSettings *s, double *metric, int *n)
{
    static const double gammas[] = {0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.5};
    static const double factors[] = {0.1, 0.2, 0.5, 0.7};
    static const double thresholds[] = {0.0, 1e-4, 1e-3, 0.01, 0.05};
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->lr = pick_real(g, 0.001, 2.0);
    *n = pick_int(g, 30, 120);
    for (int e = 0; e < *n; e++)
        metric[e] = 0.0;
    switch (kind) {
    case SCHED_STEP:
        s->step_size = pick_int(g, 1, 30);
        s->gamma = pick_of(g, gammas, 7);
        break;
    case SCHED_EXPONENTIAL:
        s->gamma = pick_real(g, 0.8, 0.999);
        break;
    case SCHED_PLATEAU: {
        PlateauOptions *o = &s->plateau;
        o->mode = pick_int(g, 0, 1) ? PLATEAU_MAX : PLATEAU_MIN;
        o->factor = pick_of(g, factors, 4);
        o->patience = pick_int(g, 0, 5);
        o->threshold = pick_of(g, thresholds, 5);
        o->threshold_mode = pick_int(g, 0, 1) ? THRESHOLD_ABS : THRESHOLD_REL;
        o->cooldown = pick_int(g, 0, 3);
        /* A floor between two reachable rates, and an eps that sometimes bites. */
        o->min_lr = pick_int(g, 0, 1) ? s->lr * pow(o->factor, pick_int(g, 2, 5)) * 1.37 : 0.0;
        o->eps = pick_int(g, 0, 2) == 0 ? s->lr * 1.7e-3 : 1e-8;
        plateau_metrics(g, o, metric, *n);
        break;
    }
    case SCHED_WARMUP_COSINE:
        s->warmup = pick_int(g, 0, 20);
        s->total = s->warmup + pick_int(g, 5, 80);
        s->plateau.min_lr = pick_int(g, 0, 1) ? s->lr * 0.01 : 0.0;
        *n = s->total + pick_int(g, 0, 15);
        for (int e = 0; e < *n; e++)
            metric[e] = 0.0;
        break;
    default:
        break;
    }
}

static void rates(Scheduler *s, const double *metric, int n, double *lr)
{
    for (int e = 0; e < n; e++) {
        lr[e] = s->lr;
        s->step(s, metric[e]);
    }
}

int run_hidden_test(const GradedTest *t, const RunnerConfig *runner, uint64_t grading_seed,
                    char *msg, size_t msg_size)
{
    Generator g;
    /* One stream per scheduler, so the checks do not depend on which ran first. */
    rng_manual_seed(&g, grading_seed * 31u + (uint64_t)t->sched + 1u);
    static double metric[SETS][MAX_EPOCHS + 40], expected[SETS][MAX_EPOCHS + 40];
    SchedSettings settings[SETS];
    RunCase rc = {0};
    for (int k = 0; k < SETS; k++) {
        int n;
        draw_settings(&g, t->sched, &settings[k], metric[k], &n);
        SchedStorage ref_storage;
        rates(sched_build_with(&REF_INITS, &ref_storage, &settings[k]), metric[k], n, expected[k]);
        RunSpec spec = {.sched = settings[k], .epochs = n, .metric = metric[k]};
        case_add(&rc, &spec);
    }
    Trace trace;
    int failed = 0;
    /* Messages name the check and the epoch, never the hidden settings or values. */
    if (runner_trace(runner, &rc, &trace) != RUNNER_OK) {
        const Hint *h = runner_failure_hint(trace.status);
        snprintf(msg, msg_size, "hidden check %s/%s: %s\nhint [%s]: %s", SCHED_NAMES[t->sched],
                 t->name, trace.what, h->id, h->text);
        failed = 1;
    }
    for (int k = 0; k < SETS && !failed; k++) {
        const Run *r = &trace.runs[k];
        int n = rc.runs[k].epochs;
        Tolerance tol = lr_tolerance(&settings[k]);
        for (int e = 0; e < n; e++) {
            if (within(expected[k][e], r->lr[e], tol))
                continue;
            Diagnosis d = classify(&settings[k], expected[k], r->lr, n, NULL, -1);
            snprintf(msg, msg_size,
                     "hidden check %s/%s, parameter set %d of %d: the learning rate differs "
                     "from epoch %d on (the hidden settings and values are not shown).\n"
                     "hint [%s]: %s",
                     SCHED_NAMES[t->sched], t->name, k + 1, SETS, e, d.hint->id, d.hint->text);
            failed = 1;
            break;
        }
    }
    trace_free(&trace);
    case_free(&rc);
    if (!failed)
        msg[0] = '\0';
    return failed;
}
