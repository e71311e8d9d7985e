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
 * Drawing from the grading seed (the kit's mt19937)
 * ------------------------------------------------------------------------ */

static int pick_int(Generator *g, int lo, int hi)   /* lo..hi inclusive */
{
    return lo + (int)(rng_random(g) % (uint32_t)(hi - lo + 1));
}

static double pick_real(Generator *g, double lo, double hi)
{
    return lo + (hi - lo) * (rng_random(g) / 4294967296.0);
}

static double pick_log(Generator *g, double lo, double hi)   /* log-uniform */
{
    return exp(pick_real(g, log(lo), log(hi)));
}

static double pick_of(Generator *g, const double *values, int count)
{
    return values[pick_int(g, 0, count - 1)];
}

/* The stream of one hidden test: the seed mixed with a hash of the test's id
 * (FNV-1a, then splitmix64's finaliser), so that two tests never draw the
 * same sets and none depends on which ran first. */
static uint64_t stream_seed(uint64_t grading_seed, const char *id)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    uint64_t z = grading_seed ^ h;
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (z ^ (z >> 32)) & 0xffffffffu;   /* rng_manual_seed keeps 32 bits */
}

/* ------------------------------------------------------------------------
 * The parameter sets
 *
 * Each set has a fixed *shape*, chosen by its index (which options are on,
 * which decade a rate lies in, where the metric stalls), and values drawn
 * from the seed. The shapes are what makes a catalogued mistake
 * (tests/3.2/mutants) fail the same hidden checks whatever the seed: every
 * mistake on a check's theme changes the rates of some set of every seed,
 * by construction (the comments say which set and why), and the options a
 * check leaves out (cooldown 0, threshold 0, ...) hide the other themes'
 * mistakes from it. test-lesson grades every mutant over 30 seeds to prove
 * it.
 * ------------------------------------------------------------------------ */

/* Rates from four decades in turn: a hard-coded rate matches one at most. */
static double draw_lr(Generator *g, int k)
{
    static const double edges[5] = {1e-3, 1e-2, 1e-1, 1.0, 3.0};
    int b = k % 4;
    return pick_log(g, edges[b], edges[b + 1]);
}

static void draw_constant(Generator *g, int k, HiddenSet *h)
{
    h->sched.lr = draw_lr(g, k);
    h->n = pick_int(g, 20, 60);
}

/* Step sizes 2..25 but for two sets of step 1, and at least three decays:
 * a decay one epoch off, at epoch 0, every epoch or with a fractional
 * exponent shows on every step >= 2, one from the initial rate at the
 * second decay; no gamma is 1. */
static void draw_step(Generator *g, int k, HiddenSet *h)
{
    static const double gammas[] = {0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.5};
    h->sched.lr = draw_lr(g, k);
    h->sched.step_size = k < 2 ? 1 : pick_int(g, 2, 25);
    h->sched.gamma = pick_of(g, gammas, 7);
    int least = 3 * h->sched.step_size + 2 > 30 ? 3 * h->sched.step_size + 2 : 30;
    h->n = pick_int(g, least, least + 40);
}

/* Decays (0.8..0.999) and, every fourth set, growths (1.001..1.03); never
 * 0.5, where gamma and 1 - gamma agree. */
static void draw_exponential(Generator *g, int k, HiddenSet *h)
{
    h->sched.lr = draw_lr(g, k);
    h->sched.gamma = k % 4 == 3 ? pick_real(g, 1.001, 1.03) : pick_real(g, 0.8, 0.999);
    h->n = pick_int(g, 30, 150);
}

/* Warm-ups of 2..20 epochs (0 for the first set), cosines of 5..80 epochs,
 * and every run 2..15 epochs past total, where the floor holds. */
static void draw_warmup_cosine(Generator *g, int k, HiddenSet *h)
{
    h->sched.lr = draw_lr(g, k);
    h->sched.warmup = k == 0 ? 0 : pick_int(g, 2, 20);
    h->sched.total = h->sched.warmup + pick_int(g, 5, 80);
    h->sched.plateau.min_lr = k % 2 ? h->sched.lr * pick_real(g, 0.01, 0.1) : 0.0;
    h->n = h->sched.total + pick_int(g, 2, 15);
}

/* ---- ReduceLROnPlateau: the metric sequences ----
 *
 * A sequence is written epoch by epoch against the reference's own notion of
 * best: improvements lie beyond the improvement bound (best with the
 * threshold applied), other values on the far side of best, each by a
 * margin of at least 1% of the scale, so that float and double
 * implementations decide alike. Near misses (between the bound and best)
 * and ties (exactly best, threshold 0) are made only where a set asks.
 *
 * Every sequence starts with the same script, in units of the patience p:
 *   epoch 0       the first value (an improvement on +-inf)
 *   p values      no improvement: one short of a reduction
 *   1 value       an improvement
 *   a stall       of p+1 values (a reduction), then `reductions - 1` times
 *                 c+p+1 more (c = cooldown): one reduction each; its first
 *                 value is far from best (>= 30% of the scale), its second
 *                 a near miss, a tie, or a value closer to best than the first
 * then stalls of random length and improvements, to the end. */

typedef struct {
    PlateauOptions *o;
    double best, scale;     /* scale: |best| (rel) or the first value (abs) */
    bool near_misses, ties;
    int reductions;         /* in the scripted stall */
} MetricPlan;

static bool is_max(const MetricPlan *m) { return m->o->mode == PLATEAU_MAX; }

static double bound(const MetricPlan *m)
{
    double t = m->o->threshold, b = m->best;
    if (m->o->threshold_mode == THRESHOLD_REL)
        return is_max(m) ? b * (1 + t) : b * (1 - t);
    return is_max(m) ? b + t : b - t;
}

static double scale(const MetricPlan *m)
{
    return m->o->threshold_mode == THRESHOLD_REL ? fabs(m->best) : m->scale;
}

/* Beyond the bound by 1% to 8% of the scale; becomes best. */
static double improvement(Generator *g, MetricPlan *m)
{
    double d = pick_real(g, 0.01, 0.08) * scale(m);
    m->best = is_max(m) ? bound(m) + d : bound(m) - d;
    return m->best;
}

/* On the far side of best by lo..hi of the scale. */
static double worse(Generator *g, const MetricPlan *m, double lo, double hi)
{
    double d = pick_real(g, lo, hi) * scale(m);
    return is_max(m) ? m->best - d : m->best + d;
}

/* Between the bound and best, in the half nearer the bound, 10% of the gap
 * away from it: relative and absolute thresholds of one value t disagree
 * there when the scale is far from 1 (hidden-threshold's sets). */
static double near_miss(Generator *g, const MetricPlan *m)
{
    return bound(m) + pick_real(g, 0.1, 0.45) * (m->best - bound(m));
}

/* A value that is not an improvement, of the kinds the plan allows. */
static double stall_value(Generator *g, const MetricPlan *m)
{
    if (m->near_misses && pick_int(g, 0, 9) < 3)
        return near_miss(g, m);
    if (m->ties && pick_int(g, 0, 9) < 3)
        return m->best;
    return worse(g, m, 0.02, 0.6);
}

static void plateau_metrics(Generator *g, MetricPlan *m, double first, double *metric, int n)
{
    const PlateauOptions *o = m->o;
    int p = o->patience, c = o->cooldown, e = 0;
    m->best = first;
    m->scale = fabs(first);
    metric[e++] = first;
    for (int i = 0; i < p && e < n; i++)
        metric[e++] = worse(g, m, 0.02, 0.6);
    if (e < n)
        metric[e++] = improvement(g, m);
    int stall = (p + 1) + (m->reductions - 1) * (c + p + 1) + pick_int(g, 0, 2);
    for (int i = 0; i < stall && e < n; i++) {
        if (i == 0)
            metric[e++] = worse(g, m, 0.3, 0.6);
        else if (i == 1 && m->near_misses)
            metric[e++] = near_miss(g, m);
        else if (i == 1 && m->ties)
            metric[e++] = m->best;
        else if (i == 1)
            metric[e++] = worse(g, m, 0.02, 0.2);   /* below the first: "previous" is not best */
        else
            metric[e++] = stall_value(g, m);
    }
    while (e < n) {
        int len = pick_int(g, 0, 2 * (c + p + 1) + 1);
        for (int i = 0; i < len && e < n; i++)
            metric[e++] = stall_value(g, m);
        if (e < n)
            metric[e++] = improvement(g, m);
    }
}

static const double FACTORS[] = {0.1, 0.2, 0.3, 0.5, 0.7};

/* Patience, resets and best, over long runs: mode min, threshold 0,
 * cooldown 0, no floor, eps 0, no ties, positive metrics; patience 0 in two
 * sets, 1..5 elsewhere. With patience p >= 1 the script shows each counting
 * mistake: reducing after p bad epochs (>=) at epoch p; an improvement that
 * does not reset the count at the stall's first value; a reduction that
 * does not reset it at the stall's (p+2)-th; best starting at 0 at epoch p;
 * "previous" as best at the stall's second value; the initial rate reduced
 * at the stall's second reduction. */
static void draw_plateau_patience(Generator *g, int k, HiddenSet *h)
{
    PlateauOptions *o = &h->sched.plateau;
    h->sched.lr = draw_lr(g, k);
    o->mode = PLATEAU_MIN;
    o->threshold_mode = pick_int(g, 0, 1) ? THRESHOLD_ABS : THRESHOLD_REL;
    o->threshold = 0.0;
    o->factor = pick_of(g, FACTORS, 5);
    o->patience = k % 8 == 0 ? 0 : pick_int(g, 1, 5);
    h->n = pick_int(g, 150, 400);
    MetricPlan m = {.o = o, .reductions = 2};
    plateau_metrics(g, &m, pick_real(g, 0.5, 2.0), h->metric, h->n);
}

/* Modes and thresholds: set k is mode min/max (k % 2), rel/abs (k / 2 % 2),
 * threshold 0 with ties (k < 4) or 0.02..0.1 with near misses; cooldown 0,
 * no floor, eps 0, patience 1..4. The stall's second value, a near miss
 * (or a tie), is an improvement only to a mistake: a threshold ignored, rel
 * and abs swapped (rel sets have scales 4..20, abs sets 0.05..0.3, so the
 * two bounds are far apart), <= instead of < (the tie, min and abs);
 * mode max treated as min never improves on -inf (max and rel). */
static void draw_plateau_threshold(Generator *g, int k, HiddenSet *h)
{
    PlateauOptions *o = &h->sched.plateau;
    h->sched.lr = draw_lr(g, k);
    o->mode = k % 2 ? PLATEAU_MAX : PLATEAU_MIN;
    o->threshold_mode = k / 2 % 2 ? THRESHOLD_ABS : THRESHOLD_REL;
    o->factor = pick_of(g, FACTORS, 5);
    o->patience = pick_int(g, 1, 4);
    h->n = pick_int(g, 40, 100);
    double first;
    if (o->mode == PLATEAU_MAX)
        first = pick_real(g, 0.5, 5.0);
    else if (o->threshold_mode == THRESHOLD_REL)
        first = pick_real(g, 4.0, 20.0);
    else
        first = pick_real(g, 0.05, 0.3);
    double t = k < 4 ? 0.0 : pick_real(g, 0.02, 0.1);
    o->threshold = o->threshold_mode == THRESHOLD_ABS ? t * first : t;
    MetricPlan m = {.o = o, .near_misses = t > 0, .ties = t == 0, .reductions = 2};
    plateau_metrics(g, &m, first, h->metric, h->n);
}

/* Cooldown, min_lr and eps: mode min, threshold 0, no ties, cooldown 1..4
 * in every set, patience 1..3, a stall of six reductions. Set k % 3 == 0:
 * no floor, eps 0. k % 3 == 1: a floor between the rates of the (j-1)-th and
 * j-th reduction (j = 2..4), eps 1e-8 (torch's default, far below every
 * step of these rates). k % 3 == 2: no floor, an eps that vetoes the
 * (j+1)-th reduction and no earlier one (30% and 9% margins). A cooldown
 * ignored or counting bad epochs reduces c epochs early after the first
 * reduction, before any floor. */
static void draw_plateau_cooldown(Generator *g, int k, HiddenSet *h)
{
    PlateauOptions *o = &h->sched.plateau;
    double lr = h->sched.lr = draw_lr(g, k);
    o->mode = PLATEAU_MIN;
    o->threshold_mode = pick_int(g, 0, 1) ? THRESHOLD_ABS : THRESHOLD_REL;
    o->threshold = 0.0;
    o->factor = pick_of(g, FACTORS, 5);
    o->patience = pick_int(g, 1, 3);
    o->cooldown = pick_int(g, 1, 4);
    int j = pick_int(g, 2, 4);
    o->min_lr = k % 3 == 1 ? lr * pow(o->factor, j) * 1.37 : 0.0;
    o->eps = k % 3 == 1 ? 1e-8 : k % 3 == 2 ? lr * pow(o->factor, j) * (1 - o->factor) * 1.3 : 0.0;
    h->n = pick_int(g, 80, 160);
    MetricPlan m = {.o = o, .reductions = 6};
    plateau_metrics(g, &m, pick_real(g, 0.5, 2.0), h->metric, h->n);
}

typedef struct {
    SchedKind sched;
    const char *name;
    int sets;
    void (*draw)(Generator *g, int k, HiddenSet *h);
} HiddenPlan;

static const HiddenPlan PLANS[] = {
    {SCHED_CONSTANT, "hidden", 12, draw_constant},
    {SCHED_STEP, "hidden", 16, draw_step},
    {SCHED_EXPONENTIAL, "hidden", 16, draw_exponential},
    {SCHED_PLATEAU, "hidden-patience", 12, draw_plateau_patience},
    {SCHED_PLATEAU, "hidden-threshold", 16, draw_plateau_threshold},
    {SCHED_PLATEAU, "hidden-cooldown", 16, draw_plateau_cooldown},
    {SCHED_WARMUP_COSINE, "hidden", 12, draw_warmup_cosine},
};

static const HiddenPlan *plan_of(const GradedTest *t)
{
    for (size_t i = 0; i < sizeof PLANS / sizeof PLANS[0]; i++)
        if (PLANS[i].sched == t->sched && strcmp(PLANS[i].name, t->name) == 0)
            return &PLANS[i];
    return NULL;
}

int hidden_draw(const GradedTest *t, uint64_t grading_seed, HiddenSet *sets)
{
    const HiddenPlan *plan = plan_of(t);
    if (!plan)
        return 0;
    char id[64];
    graded_test_id(t, id, sizeof id);
    Generator g;
    rng_manual_seed(&g, stream_seed(grading_seed, id));
    for (int k = 0; k < plan->sets; k++) {
        HiddenSet *h = &sets[k];
        memset(h, 0, sizeof *h);
        h->sched.kind = t->sched;
        plan->draw(&g, k, h);
    }
    return plan->sets;
}

static void rates(Scheduler *s, const double *metric, int n, double *lr)
{
    for (int e = 0; e < n; e++) {
        lr[e] = s->lr;
        s->step(s, metric[e]);
    }
}

/* How a hidden check's run went wrong, in fixed words: never a number the
 * submission could have chosen from the hidden settings it was given (an
 * exit status, a signal, a line, a run, an epoch, a function of a sanitizer
 * report), which would carry them out into the report. The judge's own
 * failures keep their reason: no submission chose it. */
static const char *hidden_run_failure(const Trace *trace)
{
    switch (trace->status) {
    case RUNNER_CRASHED: return "the runner crashed (it was killed by a signal)";
    case RUNNER_TIMEOUT: return "a run did not finish in time (an endless loop?)";
    case RUNNER_FLOODED: return "the runner wrote more output than its trace can hold";
    case RUNNER_EXITED: return "a run ended inside your code (exit was called)";
    case RUNNER_BAD_TRACE: return "the runner's output is not the trace of the runs";
    case RUNNER_SANITIZER: return "AddressSanitizer/UBSan found a memory error or undefined behaviour";
    default: return trace->what;
    }
}

int run_hidden_test(const GradedTest *t, const RunnerConfig *runner, uint64_t grading_seed,
                    char *msg, size_t msg_size)
{
    static HiddenSet sets[HIDDEN_MAX_SETS];
    static double expected[HIDDEN_MAX_SETS][HIDDEN_MAX_EPOCHS];
    int count = hidden_draw(t, grading_seed, sets);
    if (count == 0) {
        snprintf(msg, msg_size, "hidden check %s/%s has no parameter sets (hidden.c)",
                 SCHED_NAMES[t->sched], t->name);
        return 1;
    }
    RunCase rc = {0};
    for (int k = 0; k < count; k++) {
        SchedStorage ref_storage;
        rates(sched_build_with(&REF_INITS, &ref_storage, &sets[k].sched), sets[k].metric,
              sets[k].n, expected[k]);
        RunSpec spec = {.sched = sets[k].sched, .epochs = sets[k].n, .metric = sets[k].metric};
        case_add(&rc, &spec);
    }
    Trace trace;
    int failed = 0;
    /* Messages name the check and a hint, never the hidden settings or values,
     * nor the set or epoch that failed (the submission could pick those from
     * the values: the report would carry them out). */
    if (runner_trace(runner, &rc, &trace) != RUNNER_OK) {
        const Hint *h = runner_failure_hint(trace.status);
        snprintf(msg, msg_size, "hidden check %s/%s: %s\nhint [%s]: %s", SCHED_NAMES[t->sched],
                 t->name, hidden_run_failure(&trace), h->id, h->text);
        failed = 1;
    }
    for (int k = 0; k < count && !failed; k++) {
        const Run *r = &trace.runs[k];
        int n = sets[k].n;
        Tolerance tol = lr_tolerance(&sets[k].sched);
        for (int e = 0; e < n; e++) {
            if (within(expected[k][e], r->lr[e], tol))
                continue;
            Diagnosis d = classify(&sets[k].sched, expected[k], r->lr, n, NULL, -1);
            snprintf(msg, msg_size,
                     "hidden check %s/%s: the learning rate differs from torch's in at least one "
                     "of its %d parameter sets (the hidden settings and values, and where they "
                     "differ, are not shown).\nhint [%s]: %s",
                     SCHED_NAMES[t->sched], t->name, count, d.hint->id, d.hint->text);
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
