/* runcase.h: what the runner is asked to run, and the trace it answers with.
 *
 * Grading is split in two programs (tests/3.2/README.md):
 *   - the *runner* (runner.c) is the student's schedulers.c linked with the
 *     training core and nothing else: no reference, no golden data, no seed,
 *     no output paths. It reads one case on stdin and writes its trace on
 *     stdout;
 *   - the *judge* (tests/3.2) writes the case, starts the runner (in a
 *     sandbox when grading others), reads the trace, compares it with
 *     torch's numbers and alone decides the verdict.
 * This file is the one contract between the two: the judge writes cases
 * with case_write, the runner reads them with case_read and answers with
 * trace_write_row; the judge reads the rows back with trace_parse_row.
 *
 * A case is one or more runs, in order:
 *
 *     case 1
 *     run replay schedule=step lr=0.1 step_size=50 gamma=0.1 epochs=100
 *     metric 0.5 0.49 ...                  (replays: one value per epoch)
 *     run curve schedule=plateau lr=0.1 ... seed=0 samples=37 epochs=100
 *     end
 *
 * A replay steps the scheduler on the given metrics; a curve trains the
 * lesson's model with it in the core. A replay with interleave=1 is stepped
 * together with the run before it, epoch by epoch (two schedulers of one
 * kind alive at once: state kept outside the struct shows). Numbers are
 * written with %.17g, so they read back as the same doubles.
 *
 * The trace: a header line, then one row per epoch of every run, in order:
 *
 *     run,epoch,lr,loss,val_loss,last_epoch,best,num_bad_epochs,cooldown_counter
 *
 * lr is the rate the scheduler held for that epoch; loss and val_loss only
 * in curves; the state fields are the scheduler's public fields as they
 * were at the start of that epoch (after `epoch` steps), empty where the
 * scheduler has no such field or the run is a curve.
 */
#ifndef LESSON_RUNCASE_H
#define LESSON_RUNCASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "demo.h"
#include "schedule_factory.h"

typedef struct {
    bool is_curve;
    bool interleave;        /* replay stepped alongside the previous replay */
    SchedSettings sched;
    DemoSettings train;     /* curves: the training run (train.train.epochs) */
    int epochs;             /* replays: metric has this many values */
    double *metric;         /* replays only; owned by the case */
} RunSpec;

typedef struct {
    int nruns;
    RunSpec *runs;
} RunCase;

enum { CASE_MAX_RUNS = 256, CASE_MAX_EPOCHS = 100000 };

/* Adds a run (its metric array is copied); 0, or -1 when out of memory. */
int case_add(RunCase *c, const RunSpec *run);
void case_free(RunCase *c);

/* Writes c in the text form above; 0, or -1 on a write error. */
int case_write(FILE *out, const RunCase *c);
/* Reads a case; 0, or -1 with a one-line reason in err (c is then empty).
 * Unknown keys, missing values, out-of-range numbers are errors. */
int case_read(FILE *in, RunCase *c, char *err, size_t err_size);

/* The scheduler's public state at the start of an epoch. */
enum { STATE_FIELDS = 4 };
typedef struct {
    double field[STATE_FIELDS];   /* last_epoch, best, num_bad_epochs, cooldown_counter */
    unsigned present;             /* bit i: field[i] exists for this scheduler */
} SchedState;
extern const char *const STATE_FIELD_NAMES[STATE_FIELDS];

/* The fields of the scheduler that sched (built by sched_build) points into. */
SchedState sched_state(SchedKind kind, const Scheduler *sched);
/* No field: a curve's rows, a constant scheduler. */
SchedState sched_state_none(void);

typedef struct {
    int run, epoch;
    double lr, loss, val_loss;   /* loss, val_loss: NaN when empty */
    bool has_loss, has_val;
    SchedState state;
} TraceRow;

extern const char TRACE_HEADER[];   /* "run,epoch,lr,...\n" */
int trace_write_row(FILE *out, const TraceRow *row);
/* Parses one line (without its newline). 0, or -1: not a trace row. */
int trace_parse_row(const char *line, TraceRow *row);

#endif
