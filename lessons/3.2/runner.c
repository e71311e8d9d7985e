/* runner.c: a student's schedulers, run on one case.
 *
 *   runner < case > trace
 *
 * Linked from schedulers.c (the student's), the lesson's pristine kit
 * sources and the training core, and nothing else: it holds no reference
 * solution, no golden data, no grading seed and no output path, so whatever
 * the code it runs does, it can only change its own trace. The judge
 * (tests/3.2/judge.c) compares that trace with torch's numbers; a crash, a
 * hang or an exit status is seen by the judge from outside (waitpid).
 *
 * Input and output are described in runcase.h. Anything the scheduler code
 * prints goes to stderr: stdout is moved to a private descriptor before the
 * first run, so a student's debugging printf never corrupts the trace.
 * Exit status: 0 when every run was traced, 2 for a malformed case.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "curve.h"
#include "runcase.h"
#include "train.h"

static void trace_replays(FILE *out, const RunCase *c, int first, int count)
{
    SchedStorage storage[2];
    Scheduler *sched[2];
    for (int k = 0; k < count; k++)
        sched[k] = sched_build(&storage[k], &c->runs[first + k].sched);
    int epochs = c->runs[first].epochs;
    for (int e = 0; e < epochs; e++) {
        for (int k = 0; k < count; k++) {
            const RunSpec *r = &c->runs[first + k];
            if (e >= r->epochs)
                continue;
            TraceRow row = {.run = first + k, .epoch = e, .lr = sched[k]->lr,
                            .state = sched_state(r->sched.kind, sched[k])};
            trace_write_row(out, &row);
            sched[k]->step(sched[k], r->metric[e]);
        }
    }
    fflush(out);
}

static int trace_curve(FILE *out, const RunCase *c, int i)
{
    const RunSpec *r = &c->runs[i];
    DemoRun run;
    demo_run_init(&run, &r->train);
    SchedStorage storage;
    Scheduler *sched = sched_build(&storage, &r->sched);
    Curve curve;
    int status = train(&run.model, &run.train_set, &run.val_set, sched, &r->train.train, &run.g,
                       &curve);
    for (int e = 0; e < curve.n; e++) {
        TraceRow row = {.run = i, .epoch = e, .lr = curve.lr[e], .loss = curve.loss[e],
                        .has_loss = true, .state = sched_state_none()};
        if (curve.val_loss) {
            row.val_loss = curve.val_loss[e];
            row.has_val = true;
        }
        trace_write_row(out, &row);
    }
    fflush(out);
    curve_free(&curve);
    demo_run_free(&run);
    return status;
}

int main(void)
{
    /* The trace gets its own descriptor; fd 1 becomes stderr for everybody else. */
    int trace_fd = dup(STDOUT_FILENO);
    FILE *out = trace_fd >= 0 ? fdopen(trace_fd, "w") : NULL;
    if (!out || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        fputs("runner: cannot set up the trace\n", stderr);
        return 2;
    }
    RunCase c;
    char err[256];
    if (case_read(stdin, &c, err, sizeof err) != 0) {
        fprintf(stderr, "runner: %s\n", err);
        return 2;
    }
    fputs(TRACE_HEADER, out);
    for (int i = 0; i < c.nruns;) {
        if (c.runs[i].is_curve) {
            trace_curve(out, &c, i);
            i++;
            continue;
        }
        int count = i + 1 < c.nruns && c.runs[i + 1].interleave && !c.runs[i + 1].is_curve ? 2 : 1;
        trace_replays(out, &c, i, count);
        i += count;
    }
    case_free(&c);
    return fclose(out) == 0 ? 0 : 2;
}
