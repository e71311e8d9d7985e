/* cases.c: the graded tests of lesson 3.2 and how a golden case is checked. */
#include "cases.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "demo.h"
#include "diagnose.h"
#include "hints.h"
#include "train.h"

/* Points: the hidden checks of the instructor edition (hidden.c) carry at
 * least half of every scheduler's points, so that replaying the public
 * golden cases cannot pass a scheduler; among the public checks the lr
 * sequences weigh most (they pin the rule down exactly), the curves show the
 * effect on training. Plateau has three hidden checks, one per theme, so
 * that a mistake in one option (cooldown, a threshold) costs that theme's
 * points only; a mistake in counting bad epochs shows in all three. */
const GradedTest GRADED_TESTS[] = {
    {SCHED_CONSTANT, "lr", "keeps the initial rate (lr 0.1, 0.05, 1.2)", 1, false, CHECK_GOLDEN},
    {SCHED_CONSTANT, "curve", "loss: the post's demo, 37 samples, lr 1.2 (diverges)", 1,
     false, CHECK_GOLDEN},
    {SCHED_CONSTANT, "hidden", "hidden check: rates drawn from four decades", 3, false,
     CHECK_HIDDEN},
    {SCHED_STEP, "lr-post", "the post's StepLR (50, 0.1) and step 7, gamma 0.5", 1,
     false, CHECK_GOLDEN},
    {SCHED_STEP, "lr-edges", "step size 1, gamma 1, step 3, step > epochs, gamma 2", 2, false,
     CHECK_GOLDEN},
    {SCHED_STEP, "curve", "loss: the post's demo, 37 samples, mini-batches", 2, false,
     CHECK_GOLDEN},
    {SCHED_STEP, "hidden", "hidden check: random step sizes and gammas", 5, false, CHECK_HIDDEN},
    {SCHED_EXPONENTIAL, "lr-post", "the post's ExponentialLR (gamma 0.95, 200 epochs)", 1, false,
     CHECK_GOLDEN},
    {SCHED_EXPONENTIAL, "lr-edges", "gamma 0.5, 1, 1.05 (growth), 0.99 over 300 epochs", 2,
     false, CHECK_GOLDEN},
    {SCHED_EXPONENTIAL, "curve", "loss: the post's demo, 37 samples", 2, false,
     CHECK_GOLDEN},
    {SCHED_EXPONENTIAL, "hidden", "hidden check: random decays and growths", 5, false,
     CHECK_HIDDEN},
    {SCHED_PLATEAU, "basic", "flat metric; falling then flat metric", 1, false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "patience", "patience 0 and 1; improvements that reset the count", 1, false,
     CHECK_GOLDEN},
    {SCHED_PLATEAU, "cooldown", "cooldown 1, 2, 3", 1, false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "min-lr", "the min_lr floor", 1, false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "eps", "eps vetoes tiny reductions", 1, false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "best", "improvement counts from best, not the last value", 1,
     false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "threshold", "rel and abs thresholds, threshold 0, negative metrics", 1,
     false, CHECK_GOLDEN},
    {SCHED_PLATEAU, "mode-max", "mode max (higher is better), rel and abs", 1, false,
     CHECK_GOLDEN},
    {SCHED_PLATEAU, "curve", "loss where it fires: on train and on val loss", 1, false,
     CHECK_GOLDEN},
    {SCHED_PLATEAU, "hidden-patience", "hidden check: patience and counting, long runs", 4,
     false, CHECK_HIDDEN},
    {SCHED_PLATEAU, "hidden-threshold", "hidden check: mode max, rel and abs thresholds, ties",
     3, false, CHECK_HIDDEN},
    {SCHED_PLATEAU, "hidden-cooldown", "hidden check: cooldown, min_lr and eps", 3, false,
     CHECK_HIDDEN},
    {SCHED_WARMUP_COSINE, "lr", "warm-up 10/100, 5/40 with min_lr, no warm-up", 1, true,
     CHECK_GOLDEN},
    {SCHED_WARMUP_COSINE, "curve", "loss curve of the post's demo", 1, true, CHECK_GOLDEN},
    {SCHED_WARMUP_COSINE, "hidden", "hidden check: random warm-ups, cosines and floors", 2, true,
     CHECK_HIDDEN},
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
 * "0.10000000000000001"), as the core's curve messages print it
 * (format_double); returns buf, for use inside printf's arguments. */
static const char *num(double v, char *buf, size_t size)
{
    format_double(buf, size, v);
    return buf;
}

static void describe_case(Text *t, const GoldenCase *c)
{
    char settings[256];
    sched_describe(&c->sched, settings, sizeof settings);
    if (c->is_curve) {
        const DemoSettings *tr = &c->train;
        add(t, "%s (%s; training: seed %d, %d samples, %d epochs%s%s%s%s)", c->id, settings,
            tr->seed, tr->samples, tr->train.epochs, tr->train.batch_size ? ", mini-batches" : "",
            tr->val_every ? ", validation split" : "",
            tr->train.metric == METRIC_VAL_LOSS && c->sched.kind == SCHED_PLATEAU ? ", watches val loss" : "",
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

/* Compares the submission's run r of case ci. Returns 0 (pass), 1 (the
 * rates differ from *first on), 2 (rates equal, losses differ from *first
 * on) or 3 (the run has the wrong number of epochs). */
static int compare_run(const Golden *g, int ci, const Run *r, int *first, bool *in_val)
{
    const GoldenCase *c = &g->cases[ci];
    if (r->n != c->n)
        return 3;
    *first = first_lr_difference(c, r, lr_tolerance(&c->sched));
    if (*first >= 0)
        return 1;
    if (c->is_curve) {
        *first = first_loss_difference(c, r, in_val);
        if (*first >= 0)
            return 2;
    }
    return 0;
}

/* The message of a failed case. */
static void describe_failure(Text *t, const GoldenCase *c, const Run *r, int status, int first,
                             bool in_val, Diagnosis d)
{
    char tol[128], a[32], b[32];
    describe_case(t, c);
    if (status == 3) {
        add(t, ": training produced %d epochs instead of %d", r->n, c->n);
        return;
    }
    if (status == 1) {
        add(t, ":\nthe learning rate first differs at epoch %d: expected %s, got %s", first,
            num(c->lr[first], a, sizeof a), num(r->lr[first], b, sizeof b));
        add_table(t, c, r, first);
        describe_state(t->buf, t->size, c, r, first);
        t->len = strlen(t->buf);
        tolerance_describe(lr_tolerance(&c->sched), tol, sizeof tol);
    } else {
        add(t, ":\nthe %s loss first differs at epoch %d: expected %.9g, got %.9g "
               "(the rates match)",
            in_val ? "validation" : "training", first,
            in_val ? c->val_loss[first] : c->loss[first],
            in_val ? r->val_loss[first] : r->loss[first]);
        add_table(t, c, r, first);
        tolerance_describe(LOSS_TOLERANCE, tol, sizeof tol);
    }
    add(t, "\n  tolerance: %s", tol);
    add_hint(t, d);
}

/* ------------------------------------------------------------------------
 * Known mistakes across the cases of a test
 *
 * A deterministic submission with one mistake reproduces that mistake's
 * sequence on every case where the mistake shows, and passes every case
 * where it does not. So a hint stays a candidate while each failing case
 * has a matching sequence for it and each passing case has none. One
 * ambiguous case (three mistakes that all "never reduce") is thus resolved
 * by the others. Only failing cases with known sequences are evidence: a
 * test whose failures have none (an ungraded curve, a hidden check) leaves
 * the naming to classify(), which looks at the numbers themselves. The
 * graded training curves have known sequences too: tools/golden/lesson.py
 * trains with each plateau mistake in torch, since its rates depend on the
 * losses they produce.
 * ------------------------------------------------------------------------ */

enum { MAX_HINT_IDS = 64 };

typedef struct {
    int count;
    const char *id[MAX_HINT_IDS];
    bool alive[MAX_HINT_IDS];
    int evidence;   /* failing cases that had known-mistake sequences */
} Candidates;

static void candidates_init(Candidates *k, const Golden *g)
{
    k->count = 0;
    k->evidence = 0;
    for (int i = 0; i < g->nmistakes; i++) {
        int j = 0;
        while (j < k->count && strcmp(k->id[j], g->mistakes[i].hint) != 0)
            j++;
        if (j == k->count && k->count < MAX_HINT_IDS) {
            k->id[k->count] = g->mistakes[i].hint;
            k->alive[k->count++] = true;
        }
    }
}

static void candidates_update(Candidates *k, const Golden *g, int ci, const Run *r, bool failed)
{
    bool any_row = false;
    for (int i = 0; i < g->nmistakes; i++)
        any_row = any_row || g->mistakes[i].case_index == ci;
    if (!any_row)
        return;   /* a case without known mistakes says nothing */
    k->evidence += failed;
    Tolerance t = lr_tolerance(&g->cases[ci].sched);
    for (int j = 0; j < k->count; j++) {
        bool has_row = false, matches = false;
        for (int i = 0; i < g->nmistakes; i++) {
            const Mistake *m = &g->mistakes[i];
            if (m->case_index != ci || strcmp(m->hint, k->id[j]) != 0)
                continue;
            has_row = true;
            bool same = m->n == r->n;
            for (int e = 0; same && e < m->n; e++)
                same = within(m->lr[e], r->lr[e], t);
            matches = matches || same;
        }
        k->alive[j] = k->alive[j] && (failed ? matches : !has_row);
    }
}

/* The hint for a runner that did not end well. */
const Hint *runner_failure_hint(RunnerStatus status)
{
    switch (status) {
    case RUNNER_TIMEOUT: return hint_find("timeout");
    case RUNNER_EXITED: return hint_find("exit-called");
    case RUNNER_SANITIZER: return hint_find("memory-error");
    case RUNNER_FLOODED: return hint_find("output-flood");
    case RUNNER_BAD_TRACE: return hint_find("bad-trace");
    case RUNNER_NOT_STARTED: return hint_find("grader-error");
    default: return hint_find("crash-signal");
    }
}

int run_golden_test(const Golden *g, const RunnerConfig *runner, const GradedTest *test,
                    const char *plot_data, char *msg, size_t msg_size)
{
    char id[64];
    graded_test_id(test, id, sizeof id);
    Text t = {msg, msg_size, 0};
    msg[0] = '\0';
    Candidates k;
    candidates_init(&k, g);
    int checked = 0, failed_case = -1, failed_status = 0, failed_first = 0;
    bool failed_in_val = false;
    /* Every case of the test, as the runs of one case for the runner. */
    RunCase rc = {0};
    int case_of_run[CASE_MAX_RUNS];
    for (int ci = 0; ci < g->ncases; ci++) {
        if (strcmp(g->cases[ci].test, id) != 0)
            continue;
        const GoldenCase *gc = &g->cases[ci];
        RunSpec spec = {.is_curve = gc->is_curve, .interleave = gc->interleave,
                        .sched = gc->sched, .train = gc->train,
                        .epochs = gc->n, .metric = gc->metric};
        spec.train.train.epochs = gc->n;
        if (case_add(&rc, &spec) != 0)
            break;
        case_of_run[rc.nruns - 1] = ci;
    }
    checked = rc.nruns;
    Trace trace;
    runner_trace(runner, &rc, &trace);
    if (checked > 0 && trace.status != RUNNER_OK) {
        int run = trace.failed_run >= 0 ? trace.failed_run : 0;
        describe_case(&t, &g->cases[case_of_run[run]]);
        const Hint *h = runner_failure_hint(trace.status);
        add(&t, ":\n%s\nhint [%s]: %s", trace.what, h->id, h->text);
        trace_free(&trace);
        case_free(&rc);
        return 1;
    }
    const Run *failed_run = NULL;
    for (int i = 0; i < checked; i++) {
        int ci = case_of_run[i];
        const Run *r = &trace.runs[i];
        int first = -1;
        bool in_val = false;
        int status = compare_run(g, ci, r, &first, &in_val);
        if (status == 0 || status == 1)
            candidates_update(&k, g, ci, r, status == 1);
        if (status != 0 && failed_case < 0) {
            failed_case = ci;
            failed_status = status;
            failed_first = first;
            failed_in_val = in_val;
            failed_run = r;      /* kept for the message */
        }
    }
    if (checked == 0) {
        add(&t, "no golden case is tagged %s: the golden data and the graders disagree "
                "(regenerate with make golden)", id);
        trace_free(&trace);
        case_free(&rc);
        return 1;
    }
    if (failed_case < 0) {
        trace_free(&trace);
        case_free(&rc);
        return 0;
    }
    const GoldenCase *c = &g->cases[failed_case];
    Diagnosis d = {hint_find("loss-differs"), NULL, failed_first};
    if (failed_status == 1) {
        d = classify(&c->sched, c->lr, failed_run->lr, c->n, g, failed_case);
        /* Impossible values speak for themselves; otherwise prefer a mistake
         * that explains every case of the test, and name a second one only
         * when it explains them too. Without evidence every mistake would
         * "explain" the failures: then classify() has the word. */
        bool invalid = strcmp(d.hint->id, "not-finite") == 0 || strcmp(d.hint->id, "negative-lr") == 0;
        const Hint *best = NULL, *also = NULL;
        for (int j = 0; j < k.count && !invalid && k.evidence > 0; j++) {
            if (!k.alive[j])
                continue;
            if (!best)
                best = hint_find(k.id[j]);
            else if (!also)
                also = hint_find(k.id[j]);
        }
        if (best) {
            d.hint = best;
            d.also = also;
        }
        /* Never advise what the student's state shows their code already does. */
        if (d.also && state_contradicts(d.also->id, c, failed_run))
            d.also = NULL;
        if (state_contradicts(d.hint->id, c, failed_run)) {
            d.hint = d.also ? d.also : hint_find("differs");
            d.also = NULL;
        }
    }
    describe_failure(&t, c, failed_run, failed_status, failed_first, failed_in_val, d);
    if (plot_data && failed_status != 3)
        write_plot_data(plot_data, c, failed_run);
    trace_free(&trace);
    case_free(&rc);
    return 1;
}
