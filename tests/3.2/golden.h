/* golden.h: the PyTorch reference data of lesson 3.2, as the graders read it.
 *
 * tests/golden/3.2/ is written by tools/golden/lesson.py (real torch 1.13):
 *   cases.csv      one case per row: its settings and the grader test using it
 *   replay/ID.csv  epoch,metric,lr: a scheduler stepped on fixed metrics
 *   curve/ID.csv   epoch,lr,loss[,val_loss]: a training run
 *   mistakes.csv   case,hint,lr: what a known mistake makes of a case's lr
 * The graders compare a submission with these numbers; the reference
 * solution itself is never linked into the student edition.
 */
#ifndef GRADER_GOLDEN_H
#define GRADER_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>

#include "demo.h"
#include "runcase.h"
#include "schedule_factory.h"
#include "train.h"

typedef struct {
    char id[64];
    bool is_curve;          /* curve: train; otherwise replay */
    bool interleave;        /* replay stepped alongside the case before it (runcase.h) */
    char test[48];          /* "step/lr-post", empty when no grader test uses it */
    SchedSettings sched;
    DemoSettings train;     /* curve: the training run's settings */
    int n;                  /* epochs (rows) */
    double *metric;         /* replay: the metric of each epoch */
    double *lr;             /* the rate torch used in each epoch */
    double *loss;           /* curve: training loss (NULL for replays) */
    double *val_loss;       /* curve with a validation set, else NULL */
    SchedState *state;      /* replay: torch's public state at the start of each epoch */
} GoldenCase;

typedef struct {
    int case_index;
    char hint[40];
    int n;
    double *lr;
} Mistake;

typedef struct {
    GoldenCase *cases;
    int ncases;
    Mistake *mistakes;
    int nmistakes;
} Golden;

/* Loads dir/cases.csv, every case file and dir/mistakes.csv. Returns 0, or -1
 * with a one-line reason in err. */
int golden_load(Golden *g, const char *dir, char *err, size_t err_size);
void golden_free(Golden *g);

/* "lr 0.1, step size 50, gamma 0.1": the settings a student can act on. */
void sched_describe(const SchedSettings *s, char *buf, size_t size);

#endif
