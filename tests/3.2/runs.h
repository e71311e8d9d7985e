/* runs.h: the judge's one way to get a submission's numbers.
 *
 * runner_trace writes a case (runcase.h), starts the submission's runner on
 * it (spawn.h), and reads its trace back into one Run per run of the case.
 * How the runner ended comes from wait4, never from its text: a crash, a
 * timeout, an exit status, a flood of output, rows missing or malformed.
 * When the plain runner's trace is complete and a sanitizer build of the
 * runner is configured, the same case runs again under AddressSanitizer and
 * UBSan; a report there is a failure too, described by its kind and the
 * first frame in the student's file ("heap-buffer-overflow in
 * exponential_step, schedulers.c:97"), the only text taken from it.
 */
#ifndef GRADER_RUNS_H
#define GRADER_RUNS_H

#include <stdbool.h>
#include <stddef.h>

#include "runcase.h"
#include "spawn.h"

/* The submission's trace of one run. */
typedef struct {
    int n;                 /* rows received */
    double *lr, *loss, *val_loss;   /* loss, val_loss: NULL without the column */
    SchedState *state;     /* one per row */
} Run;

typedef enum {
    RUNNER_OK,
    RUNNER_CRASHED,        /* killed by a signal */
    RUNNER_TIMEOUT,
    RUNNER_FLOODED,
    RUNNER_EXITED,         /* ended with a non-zero status, or exit(0) before the end */
    RUNNER_BAD_TRACE,      /* stdout is not a trace (or rows are missing) */
    RUNNER_SANITIZER,      /* the sanitizer build reported an error */
    RUNNER_NOT_STARTED     /* the judge could not start it: not the submission's fault */
} RunnerStatus;

typedef struct {
    int nruns;
    Run *runs;
    RunnerStatus status;
    int failed_run;        /* the run that was going when it ended (-1: none/unknown) */
    char what[640];        /* what happened, in a student's terms ("" when OK) */
} Trace;

typedef struct {
    const char *runner;        /* absolute path of the plain runner */
    const char *runner_san;    /* the ASan+UBSan runner, or NULL */
    Sandbox sandbox;
    SpawnLimits limits;        /* the plain runner */
    SpawnLimits san_limits;    /* the sanitizer runner (no address-space cap) */
} RunnerConfig;

/* Exit status the sanitizer build uses for a report (ASAN/UBSAN_OPTIONS). */
enum { SANITIZER_EXIT = 86 };

/* Runs c; fills t (always: free with trace_free). Returns t->status. */
RunnerStatus runner_trace(const RunnerConfig *cfg, const RunCase *c, Trace *t);
void trace_free(Trace *t);

/* The first frame of a sanitizer report that lies in schedulers.c, as
 * "heap-buffer-overflow in exponential_step, schedulers.c:97"; "" when the
 * report has none. Only identifier characters and digits are copied. */
void sanitizer_summary(const char *report, char *buf, size_t size);

#endif
