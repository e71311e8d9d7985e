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

/* The graded checks come from the catalogue, tests/3.2/checks.tsv (points,
 * groups, titles: why each weighs what it does is said there and in
 * README.md), so the judge, the golden-data script, make and the batch
 * tools read one table. */
enum { MAX_CHECKS = 64, MAX_CHECK_LINE = 4096 };
static GradedTest checks[MAX_CHECKS];
static char check_names[MAX_CHECKS][48], check_titles[MAX_CHECKS][128];
const GradedTest *GRADED_TESTS = checks;
int GRADED_TEST_COUNT;

int checks_load(const char *path, char *err, size_t err_size)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_size, "cannot open %s", path);
        return -1;
    }
    char line[MAX_CHECK_LINE];
    int line_no = 0, status = 0;
    bool header = false;
    GRADED_TEST_COUNT = 0;
    while (status == 0 && fgets(line, sizeof line, f)) {
        line_no++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *field[7];
        int n = 0;
        for (char *p = line; n < 7; n++) {
            field[n] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                n++;
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }
        if (n != 7) {
            snprintf(err, err_size, "%s line %d: %d fields, expected 7", path, line_no, n);
            status = -1;
        } else if (!header) {
            header = strcmp(field[0], "id") == 0;
            if (!header) {
                snprintf(err, err_size, "%s line %d: expected the header line", path, line_no);
                status = -1;
            }
        } else if (GRADED_TEST_COUNT == MAX_CHECKS) {
            snprintf(err, err_size, "%s: more than %d checks", path, MAX_CHECKS);
            status = -1;
        } else {
            int i = GRADED_TEST_COUNT;
            const char *slash = strchr(field[0], '/');
            SchedKind kind = sched_kind_from_name(field[3]);
            int points = atoi(field[2]);
            size_t group_len = strlen(field[3]);
            bool ok = slash && (size_t)(slash - field[0]) == group_len &&
                      strncmp(field[0], field[3], group_len) == 0 && (int)kind >= 0 &&
                      kind < SCHED_KINDS && points > 0 &&
                      (strcmp(field[4], "yes") == 0 || strcmp(field[4], "no") == 0) &&
                      (strcmp(field[5], "public") == 0 || strcmp(field[5], "hidden") == 0);
            if (!ok) {
                snprintf(err, err_size, "%s line %d: not a check (id GROUP/NAME, a scheduler as "
                         "group, points > 0, bonus yes/no, visibility public/hidden)", path, line_no);
                status = -1;
                break;
            }
            snprintf(check_names[i], sizeof check_names[i], "%s", slash + 1);
            snprintf(check_titles[i], sizeof check_titles[i], "%s", field[1]);
            checks[i] = (GradedTest){kind, check_names[i], check_titles[i], points,
                                     strcmp(field[4], "yes") == 0,
                                     strcmp(field[5], "hidden") == 0 ? CHECK_HIDDEN : CHECK_GOLDEN};
            GRADED_TEST_COUNT++;
        }
    }
    fclose(f);
    if (status == 0 && GRADED_TEST_COUNT == 0) {
        snprintf(err, err_size, "%s: no checks", path);
        status = -1;
    }
    return status;
}

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
