/* runcase.c: the runner's input and output, written and read (see runcase.h). */
#define _POSIX_C_SOURCE 200809L
#include "runcase.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"

int case_add(RunCase *c, const RunSpec *run)
{
    if (c->nruns >= CASE_MAX_RUNS)
        return -1;
    RunSpec *runs = realloc(c->runs, (size_t)(c->nruns + 1) * sizeof *runs);
    if (!runs)
        return -1;
    c->runs = runs;
    RunSpec *r = &runs[c->nruns];
    *r = *run;
    r->metric = NULL;
    if (!run->is_curve && run->epochs > 0) {
        r->metric = malloc((size_t)run->epochs * sizeof(double));
        if (!r->metric)
            return -1;
        for (int e = 0; e < run->epochs; e++)
            r->metric[e] = run->metric ? run->metric[e] : 0.0;
    }
    c->nruns++;
    return 0;
}

void case_free(RunCase *c)
{
    for (int i = 0; i < c->nruns; i++)
        free(c->runs[i].metric);
    free(c->runs);
    c->runs = NULL;
    c->nruns = 0;
}

/* ------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------ */

static void put_number(FILE *out, const char *key, double v)
{
    char buf[CSV_NUMBER_SIZE];
    format_csv_number(buf, sizeof buf, v);
    fprintf(out, " %s=%s", key, buf);
}

int case_write(FILE *out, const RunCase *c)
{
    fputs("case 1\n", out);
    for (int i = 0; i < c->nruns; i++) {
        const RunSpec *r = &c->runs[i];
        const SchedSettings *s = &r->sched;
        const PlateauOptions *p = &s->plateau;
        fprintf(out, "run %s schedule=%s", r->is_curve ? "curve" : "replay",
                s->kind < SCHED_KINDS ? SCHED_NAMES[s->kind] : "?");
        put_number(out, "lr", s->lr);
        fprintf(out, " step_size=%d", s->step_size);
        put_number(out, "gamma", s->gamma);
        fprintf(out, " mode=%s", p->mode == PLATEAU_MAX ? "max" : "min");
        put_number(out, "factor", p->factor);
        fprintf(out, " patience=%d", p->patience);
        put_number(out, "threshold", p->threshold);
        fprintf(out, " threshold_mode=%s", p->threshold_mode == THRESHOLD_ABS ? "abs" : "rel");
        fprintf(out, " cooldown=%d", p->cooldown);
        put_number(out, "min_lr", p->min_lr);
        put_number(out, "eps", p->eps);
        fprintf(out, " warmup=%d total=%d", s->warmup, s->total);
        if (r->is_curve) {
            const DemoSettings *t = &r->train;
            fprintf(out, " epochs=%d seed=%d samples=%d data=%s val_every=%d model=%s width=%d"
                         " batch_size=%d",
                    t->train.epochs, t->seed, t->samples, t->sine ? "sine" : "linear",
                    t->val_every, t->mlp ? "mlp" : "linear", t->width, t->train.batch_size);
            put_number(out, "momentum", t->train.momentum);
            fprintf(out, " watch=%s\n", t->train.metric == METRIC_VAL_LOSS ? "val" : "train");
        } else {
            fprintf(out, " epochs=%d interleave=%d\nmetric", r->epochs, r->interleave ? 1 : 0);
            for (int e = 0; e < r->epochs; e++) {
                char buf[CSV_NUMBER_SIZE];
                format_csv_number(buf, sizeof buf, r->metric[e]);
                fprintf(out, " %s", buf);
            }
            fputc('\n', out);
        }
    }
    fputs("end\n", out);
    return ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------------------
 * Reading: strict, since a case may come from a file a person edited
 * ------------------------------------------------------------------------ */

static int fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

static bool read_double(const char *text, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(text, &end);
    return end != text && *end == '\0';
}

static bool read_int(const char *text, int lo, int hi, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(text, &end, 10);
    if (end == text || *end || errno || x < lo || x > hi)
        return false;
    *v = (int)x;
    return true;
}

static bool read_word(const char *text, const char *a, const char *b, bool *is_b)
{
    if (strcmp(text, a) == 0 || strcmp(text, b) == 0) {
        *is_b = strcmp(text, b) == 0;
        return true;
    }
    return false;
}

/* One key=value of a run line. */
static bool set_key(RunSpec *r, const char *key, const char *value)
{
    SchedSettings *s = &r->sched;
    PlateauOptions *p = &s->plateau;
    DemoSettings *t = &r->train;
    bool b;
    if (strcmp(key, "schedule") == 0)
        return (s->kind = sched_kind_from_name(value)) != SCHED_KINDS;
    if (strcmp(key, "lr") == 0)
        return read_double(value, &s->lr);
    if (strcmp(key, "step_size") == 0)
        return read_int(value, -1000000, 1000000, &s->step_size);
    if (strcmp(key, "gamma") == 0)
        return read_double(value, &s->gamma);
    if (strcmp(key, "mode") == 0) {
        if (!read_word(value, "min", "max", &b))
            return false;
        p->mode = b ? PLATEAU_MAX : PLATEAU_MIN;
        return true;
    }
    if (strcmp(key, "factor") == 0)
        return read_double(value, &p->factor);
    if (strcmp(key, "patience") == 0)
        return read_int(value, 0, 1000000, &p->patience);
    if (strcmp(key, "threshold") == 0)
        return read_double(value, &p->threshold);
    if (strcmp(key, "threshold_mode") == 0) {
        if (!read_word(value, "rel", "abs", &b))
            return false;
        p->threshold_mode = b ? THRESHOLD_ABS : THRESHOLD_REL;
        return true;
    }
    if (strcmp(key, "cooldown") == 0)
        return read_int(value, 0, 1000000, &p->cooldown);
    if (strcmp(key, "min_lr") == 0)
        return read_double(value, &p->min_lr);
    if (strcmp(key, "eps") == 0)
        return read_double(value, &p->eps);
    if (strcmp(key, "warmup") == 0)
        return read_int(value, 0, 1000000, &s->warmup);
    if (strcmp(key, "total") == 0)
        return read_int(value, 0, 1000000, &s->total);
    if (strcmp(key, "epochs") == 0) {
        int n;
        if (!read_int(value, 1, CASE_MAX_EPOCHS, &n))
            return false;
        r->epochs = n;
        t->train.epochs = n;
        return true;
    }
    if (strcmp(key, "interleave") == 0)
        return read_word(value, "0", "1", &r->interleave);
    if (strcmp(key, "seed") == 0)
        return read_int(value, 0, 2147483647, &t->seed);
    if (strcmp(key, "samples") == 0)
        return read_int(value, 2, 100000, &t->samples);
    if (strcmp(key, "data") == 0)
        return read_word(value, "linear", "sine", &t->sine);
    if (strcmp(key, "val_every") == 0)
        return read_int(value, 0, 100000, &t->val_every);
    if (strcmp(key, "model") == 0)
        return read_word(value, "linear", "mlp", &t->mlp);
    if (strcmp(key, "width") == 0)
        return read_int(value, 1, 4096, &t->width);
    if (strcmp(key, "batch_size") == 0)
        return read_int(value, 0, 100000, &t->train.batch_size);
    if (strcmp(key, "momentum") == 0)
        return read_double(value, &t->train.momentum);
    if (strcmp(key, "watch") == 0) {
        if (!read_word(value, "train", "val", &b))
            return false;
        t->train.metric = b ? METRIC_VAL_LOSS : METRIC_TRAIN_LOSS;
        return true;
    }
    return false;
}

static int parse_run_line(char *line, RunSpec *r, char *err, size_t size, int line_no)
{
    memset(r, 0, sizeof *r);
    r->sched.kind = SCHED_KINDS;
    char *save = NULL;
    strtok_r(line, " ", &save);                 /* "run" */
    char *kind = strtok_r(NULL, " ", &save);
    if (!kind || (strcmp(kind, "replay") != 0 && strcmp(kind, "curve") != 0))
        return fail(err, size, "line %d: expected 'run replay' or 'run curve'", line_no);
    r->is_curve = strcmp(kind, "curve") == 0;
    for (char *tok; (tok = strtok_r(NULL, " ", &save));) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return fail(err, size, "line %d: '%.40s' is not key=value", line_no, tok);
        *eq = '\0';
        if (!set_key(r, tok, eq + 1))
            return fail(err, size, "line %d: bad %.40s=%.40s", line_no, tok, eq + 1);
    }
    if (r->sched.kind == SCHED_KINDS || r->epochs <= 0)
        return fail(err, size, "line %d: a run needs schedule= and epochs=", line_no);
    return 0;
}

static int parse_metrics(char *line, RunSpec *r, char *err, size_t size, int line_no)
{
    if (strncmp(line, "metric", 6) != 0)
        return fail(err, size, "line %d: a replay needs its metric line", line_no);
    r->metric = malloc((size_t)r->epochs * sizeof(double));
    if (!r->metric)
        return fail(err, size, "out of memory");
    char *save = NULL;
    strtok_r(line, " ", &save);
    int e = 0;
    for (char *tok; (tok = strtok_r(NULL, " ", &save));) {
        if (e >= r->epochs || !read_double(tok, &r->metric[e]))
            return fail(err, size, "line %d: metric %d is not a number or one too many", line_no, e);
        e++;
    }
    if (e != r->epochs)
        return fail(err, size, "line %d: %d metrics for %d epochs", line_no, e, r->epochs);
    return 0;
}

int case_read(FILE *in, RunCase *c, char *err, size_t err_size)
{
    memset(c, 0, sizeof *c);
    char *line = NULL;
    size_t cap = 0;
    int line_no = 0, status = -1;
    bool started = false, ended = false;
    RunSpec pending;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) >= 0) {
        line_no++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (!started) {
            if (strcmp(line, "case 1") != 0) {
                fail(err, err_size, "line 1: expected 'case 1'");
                goto out;
            }
            started = true;
        } else if (strcmp(line, "end") == 0) {
            ended = true;
            break;
        } else if (strncmp(line, "run ", 4) == 0) {
            if (parse_run_line(line, &pending, err, err_size, line_no) != 0)
                goto out;
            if (!pending.is_curve) {
                if ((len = getline(&line, &cap, in)) < 0) {
                    fail(err, err_size, "line %d: the metric line is missing", line_no + 1);
                    goto out;
                }
                line_no++;
                if (len > 0 && line[len - 1] == '\n')
                    line[--len] = '\0';
                if (parse_metrics(line, &pending, err, err_size, line_no) != 0) {
                    free(pending.metric);
                    goto out;
                }
            }
            int added = case_add(c, &pending);
            free(pending.metric);
            if (added != 0) {
                fail(err, err_size, "too many runs or out of memory");
                goto out;
            }
        } else {
            fail(err, err_size, "line %d: expected 'run ...' or 'end'", line_no);
            goto out;
        }
    }
    if (!ended)
        fail(err, err_size, "the case ends before its 'end' line");
    else
        status = 0;
out:
    free(line);
    if (status != 0)
        case_free(c);
    return status;
}

/* ------------------------------------------------------------------------
 * The trace
 * ------------------------------------------------------------------------ */

const char TRACE_HEADER[] =
    "run,epoch,lr,loss,val_loss,last_epoch,best,num_bad_epochs,cooldown_counter\n";

const char *const STATE_FIELD_NAMES[STATE_FIELDS] = {"last_epoch", "best", "num_bad_epochs",
                                                     "cooldown_counter"};

SchedState sched_state_none(void)
{
    return (SchedState){{NAN, NAN, NAN, NAN}, 0};
}

SchedState sched_state(SchedKind kind, const Scheduler *sched)
{
    SchedState st = sched_state_none();
    switch (kind) {
    case SCHED_STEP:
        st.field[0] = ((const StepScheduler *)sched)->last_epoch;
        st.present = 1;
        break;
    case SCHED_EXPONENTIAL:
        st.field[0] = ((const ExponentialScheduler *)sched)->last_epoch;
        st.present = 1;
        break;
    case SCHED_PLATEAU: {
        const PlateauScheduler *p = (const PlateauScheduler *)sched;
        st = (SchedState){{p->last_epoch, p->best, p->num_bad_epochs, p->cooldown_counter}, 15};
        break;
    }
    case SCHED_WARMUP_COSINE:
        st.field[0] = ((const WarmupCosineScheduler *)sched)->last_epoch;
        st.present = 1;
        break;
    default:
        break;
    }
    return st;
}

static void put_field(FILE *out, double v, bool present)
{
    char buf[CSV_NUMBER_SIZE];
    fputc(',', out);
    if (present) {
        format_csv_number(buf, sizeof buf, v);
        fputs(buf, out);
    }
}

int trace_write_row(FILE *out, const TraceRow *row)
{
    fprintf(out, "%d,%d", row->run, row->epoch);
    put_field(out, row->lr, true);
    put_field(out, row->loss, row->has_loss);
    put_field(out, row->val_loss, row->has_val);
    for (int i = 0; i < STATE_FIELDS; i++)
        put_field(out, row->state.field[i], row->state.present & (1u << i));
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}

/* An empty field is "absent" (NaN, present false); anything else must be
 * a whole number. */
static bool field_number(const char *text, size_t len, double *v, bool *present)
{
    char buf[64];
    *present = len > 0;
    *v = NAN;
    if (len == 0)
        return true;
    if (len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return read_double(buf, v);
}

int trace_parse_row(const char *line, TraceRow *row)
{
    const char *fields[9];
    size_t lens[9];
    int n = 0;
    const char *p = line;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (n == 9)
            return -1;
        fields[n] = p;
        lens[n++] = len;
        if (p[len] != ',')
            break;
        p += len + 1;
    }
    if (n != 9)
        return -1;
    double v[9];
    bool present[9];
    for (int i = 0; i < 9; i++)
        if (!field_number(fields[i], lens[i], &v[i], &present[i]))
            return -1;
    if (!present[0] || !present[1] || !present[2] || v[0] != (int)v[0] || v[1] != (int)v[1] ||
        v[0] < 0 || v[1] < 0 || v[0] > CASE_MAX_RUNS || v[1] > CASE_MAX_EPOCHS)
        return -1;
    row->run = (int)v[0];
    row->epoch = (int)v[1];
    row->lr = v[2];
    row->loss = v[3];
    row->has_loss = present[3];
    row->val_loss = v[4];
    row->has_val = present[4];
    row->state = sched_state_none();
    for (int i = 0; i < STATE_FIELDS; i++) {
        row->state.field[i] = v[5 + i];
        row->state.present |= present[5 + i] ? 1u << i : 0u;
    }
    return 0;
}
