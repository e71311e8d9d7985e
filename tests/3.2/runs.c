/* runs.c: case in, trace out, the verdict on how it ended (see runs.h). */
#define _GNU_SOURCE
#include "runs.h"

#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The environment of every runner: nothing of the judge's (GRADING_SEED,
 * paths, the instructor's variables) is passed on. */
static char *const PLAIN_ENV[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
static char *const SAN_ENV[] = {
    "PATH=/usr/bin:/bin", "LC_ALL=C",
    "ASAN_OPTIONS=exitcode=86:detect_leaks=0:abort_on_error=0:handle_segv=1:"
    "allocator_may_return_null=1:hard_rss_limit_mb=512:malloc_limit_mb=256:"
    "symbolize=1:print_summary=1:detect_odr_violation=0",
    "UBSAN_OPTIONS=exitcode=86:halt_on_error=1:print_stacktrace=1:symbolize=1", NULL};

void trace_free(Trace *t)
{
    for (int i = 0; i < t->nruns; i++) {
        free(t->runs[i].lr);
        free(t->runs[i].loss);
        free(t->runs[i].val_loss);
        free(t->runs[i].state);
    }
    free(t->runs);
    memset(t, 0, sizeof *t);
}

static void set_what(Trace *t, RunnerStatus status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_what(Trace *t, RunnerStatus status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->what, sizeof t->what, fmt, ap);
    va_end(ap);
    t->status = status;
}

static int expected_rows(const RunSpec *r)
{
    return r->is_curve ? r->train.train.epochs : r->epochs;
}

/* Rows go to their run; each run's epochs must come 0, 1, 2, ... */
static int read_rows(const RunCase *c, const char *text, Trace *t)
{
    const char *line = text;
    size_t header = strlen(TRACE_HEADER);
    if (strncmp(line, TRACE_HEADER, header) != 0) {
        set_what(t, RUNNER_BAD_TRACE, "the runner's output does not start with the trace header "
                                      "(did code before main write to stdout?)");
        return -1;
    }
    line += header;
    int line_no = 2;
    while (*line) {
        size_t len = strcspn(line, "\n");
        if (line[len] != '\n')
            break;   /* a last line without its newline: the run was cut there */
        char buf[512];
        TraceRow row;
        if (len >= sizeof buf || (memcpy(buf, line, len), buf[len] = '\0',
                                  trace_parse_row(buf, &row) != 0) ||
            row.run >= t->nruns || row.epoch != t->runs[row.run].n ||
            row.epoch >= expected_rows(&c->runs[row.run])) {
            set_what(t, RUNNER_BAD_TRACE, "line %d of the runner's output is not the next row "
                                          "of the trace", line_no);
            return -1;
        }
        Run *r = &t->runs[row.run];
        int e = r->n++;
        r->lr[e] = row.lr;
        if (r->loss)
            r->loss[e] = row.has_loss ? row.loss : NAN;
        if (r->val_loss)
            r->val_loss[e] = row.has_val ? row.val_loss : NAN;
        r->state[e] = row.state;
        line += len + 1;
        line_no++;
    }
    return 0;
}

/* The run that was going when the trace stopped: the first one short of rows. */
static int first_incomplete(const RunCase *c, const Trace *t)
{
    for (int i = 0; i < c->nruns; i++)
        if (t->runs[i].n < expected_rows(&c->runs[i]))
            return i;
    return -1;
}

static void describe_signal(Trace *t, int sig, const char *in)
{
    char name[64];
    const char *s = strsignal(sig);
    snprintf(name, sizeof name, "%s", s ? s : "unknown signal");
    for (char *p = name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (sig == SIGXCPU)
        set_what(t, RUNNER_TIMEOUT, "used up its CPU time%s (an endless loop?)", in);
    else
        set_what(t, RUNNER_CRASHED, "crashed with signal %d (%s)%s", sig, name, in);
}

/* Copies only characters that cannot start markup or a path outside the
 * report's words. */
static void copy_word(char *dst, size_t size, const char *src, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < size; i++) {
        unsigned char ch = (unsigned char)src[i];
        if (isalnum(ch) || ch == '_' || ch == '-' || ch == '.' || ch == ':' || ch == ' ')
            dst[k++] = (char)ch;
    }
    dst[k] = '\0';
}

/* UBSan's message as a short kind (its check's name), not its words: the
 * words carry addresses and values ("store to address 0x6030... with
 * insufficient space for an object of type 'double'"). */
static const char *ubsan_kind(const char *message)
{
    static const char *const KINDS[][2] = {
        {"signed integer overflow", "signed-integer-overflow"},
        {"division by zero", "division-by-zero"},
        {"shift exponent", "invalid-shift"},
        {"left shift of", "invalid-shift"},
        {"out of bounds for type", "index-out-of-bounds"},
        {"misaligned address", "misaligned-address"},
        {"insufficient space for an object", "object-size"},
        {"null pointer", "null-pointer"},
        {"is outside the range of representable values", "float-cast-overflow"},
        {"not a valid value for type", "invalid-bool-or-enum"},
        {"pointer overflow", "pointer-overflow"},
    };
    const char *eol = message + strcspn(message, "\n");
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++) {
        const char *at = strstr(message, KINDS[i][0]);
        if (at && at < eol)
            return KINDS[i][1];
    }
    return "undefined-behaviour";
}

void sanitizer_summary(const char *report, char *buf, size_t size)
{
    char kind[64] = "", func[80] = "", where[80] = "";
    const char *p = strstr(report, "ERROR: AddressSanitizer: ");
    if (p) {
        p += strlen("ERROR: AddressSanitizer: ");
        copy_word(kind, sizeof kind, p, strcspn(p, " \n"));
    } else if ((p = strstr(report, "runtime error: "))) {
        p += strlen("runtime error: ");
        snprintf(kind, sizeof kind, "%s", ubsan_kind(p));
        /* UBSan names the place first: ".../schedulers.c:97:5: runtime error" */
        const char *line_start = p - strlen("runtime error: ");
        while (line_start > report && line_start[-1] != '\n')
            line_start--;
        const char *at = strstr(line_start, "schedulers.c:");
        if (at && at < p) {
            size_t n = strcspn(at + strlen("schedulers.c:"), ":");
            char tmp[64];
            snprintf(tmp, sizeof tmp, "schedulers.c:%.*s", (int)n, at + strlen("schedulers.c:"));
            copy_word(where, sizeof where, tmp, strlen(tmp));
        }
    }
    /* The first stack frame in the student's file: "#0 0x... in FUNC /path/schedulers.c:97" */
    for (const char *f = report; (f = strstr(f, " in ")) != NULL; f += 4) {
        const char *eol = f + strcspn(f, "\n");
        const char *file = strstr(f, "schedulers.c:");
        if (!file || file > eol)
            continue;
        const char *name = f + 4;
        copy_word(func, sizeof func, name, strcspn(name, " \n"));
        char tmp[64];
        snprintf(tmp, sizeof tmp, "schedulers.c:%.*s", (int)strcspn(file + 13, ": \n"), file + 13);
        copy_word(where, sizeof where, tmp, strlen(tmp));
        break;
    }
    if (!kind[0]) {
        buf[0] = '\0';
        return;
    }
    if (func[0] && where[0])
        snprintf(buf, size, "%s in %s, %s", kind, func, where);
    else if (where[0])
        snprintf(buf, size, "%s at %s", kind, where);
    else
        snprintf(buf, size, "%s", kind);
}

static RunnerStatus judge_spawn(const SpawnResult *sr, const RunCase *c, Trace *t,
                                const SpawnLimits *lim, bool sanitizer)
{
    char in[96] = "";
    int failed = first_incomplete(c, t);
    t->failed_run = failed;
    if (failed >= 0)
        snprintf(in, sizeof in, " during run %d of %d", failed + 1, c->nruns);
    if (sr->timed_out) {
        set_what(t, RUNNER_TIMEOUT, "timeout after %g s: the run did not finish%s (an endless loop?)",
                 lim->wall_seconds, in);
    } else if (sr->flooded) {
        set_what(t, RUNNER_FLOODED, "wrote more output than a trace needs (over %zu bytes, or "
                                    "over %zu bytes of messages)%s: it was stopped",
                 lim->out_cap, lim->err_cap, in);
    } else if (sr->signal > 0) {
        describe_signal(t, sr->signal, in);
    } else if (sanitizer && sr->exit_status == SANITIZER_EXIT) {
        char summary[200];
        sanitizer_summary(sr->err, summary, sizeof summary);
        set_what(t, RUNNER_SANITIZER, "memory error found by AddressSanitizer/UBSan: %s%s",
                 summary[0] ? summary : "(no frame in schedulers.c)", in);
    } else if (sr->exit_status != 0) {
        set_what(t, RUNNER_EXITED, "called exit(%d)%s: the run ended inside your code",
                 sr->exit_status, in);
    } else if (failed >= 0) {
        set_what(t, RUNNER_EXITED, "called exit(0)%s: the run ended inside your code "
                                   "before its last epoch", in);
    }
    return t->status;
}

static int alloc_runs(const RunCase *c, Trace *t)
{
    t->nruns = c->nruns;
    t->runs = calloc((size_t)c->nruns, sizeof *t->runs);
    if (!t->runs)
        return -1;
    for (int i = 0; i < c->nruns; i++) {
        size_t n = (size_t)expected_rows(&c->runs[i]);
        Run *r = &t->runs[i];
        r->lr = calloc(n, sizeof(double));
        r->state = calloc(n, sizeof(SchedState));
        if (c->runs[i].is_curve) {
            r->loss = calloc(n, sizeof(double));
            if (c->runs[i].train.val_every >= 2)
                r->val_loss = calloc(n, sizeof(double));
        }
        if (!r->lr || !r->state || (c->runs[i].is_curve && !r->loss))
            return -1;
    }
    return 0;
}

/* The trace can be no longer than this: every row fits in 256 bytes. */
static size_t trace_bound(const RunCase *c)
{
    size_t rows = 0;
    for (int i = 0; i < c->nruns; i++)
        rows += (size_t)expected_rows(&c->runs[i]);
    return strlen(TRACE_HEADER) + 1 + rows * 256;
}

RunnerStatus runner_trace(const RunnerConfig *cfg, const RunCase *c, Trace *t)
{
    memset(t, 0, sizeof *t);
    t->failed_run = -1;
    char *input = NULL;
    size_t input_len = 0;
    FILE *mem = open_memstream(&input, &input_len);
    if (!mem || case_write(mem, c) != 0 || fclose(mem) != 0 || alloc_runs(c, t) != 0) {
        free(input);
        set_what(t, RUNNER_NOT_STARTED, "the judge ran out of memory");
        return t->status;
    }
    SpawnLimits lim = cfg->limits;
    size_t bound = trace_bound(c);
    if (lim.out_cap == 0 || lim.out_cap > bound)
        lim.out_cap = bound;
    SpawnResult sr;
    if (spawn_run(&cfg->sandbox, &lim, cfg->runner, PLAIN_ENV, input, input_len, &sr) != 0) {
        set_what(t, RUNNER_NOT_STARTED, "the judge could not start the runner: %s", sr.err);
    } else {
        int parsed = read_rows(c, sr.out, t);
        if (judge_spawn(&sr, c, t, &lim, false) == RUNNER_OK && parsed != 0)
            t->status = RUNNER_BAD_TRACE;
    }
    spawn_result_free(&sr);
    if (t->status == RUNNER_OK && cfg->runner_san) {
        SpawnLimits san = cfg->san_limits;
        san.out_cap = lim.out_cap;
        Trace scratch;
        memset(&scratch, 0, sizeof scratch);
        if (alloc_runs(c, &scratch) == 0 &&
            spawn_run(&cfg->sandbox, &san, cfg->runner_san, SAN_ENV, input, input_len, &sr) == 0) {
            read_rows(c, sr.out, &scratch);
            scratch.status = RUNNER_OK;
            if (judge_spawn(&sr, c, &scratch, &san, true) != RUNNER_OK) {
                if (getenv("KIT_JUDGE_DEBUG"))   /* the kit's own debugging: never in a report */
                    fprintf(stderr, "judge: sanitizer runner's stderr:\n%s\n", sr.err);
                t->status = scratch.status == RUNNER_SANITIZER ? RUNNER_SANITIZER : scratch.status;
                t->failed_run = scratch.failed_run;
                snprintf(t->what, sizeof t->what, "%.600s%s", scratch.what,
                         scratch.status == RUNNER_SANITIZER ? "" : " (under AddressSanitizer)");
            }
            spawn_result_free(&sr);
        } else {
            /* No sanitizer verdict is no verdict: never a pass by default. */
            set_what(t, RUNNER_NOT_STARTED, "the judge could not start the sanitizer runner: %.400s",
                     sr.err ? sr.err : "out of memory");
            spawn_result_free(&sr);
        }
        trace_free(&scratch);
    }
    free(input);
    return t->status;
}
