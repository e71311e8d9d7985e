/* hints.h: from "your lr sequence differs" to "here is the likely mistake".
 *
 * The classifier looks only at numbers: the expected and the submitted rate
 * of every epoch, the scheduler's settings, and (for public cases) the
 * sequences that known mistakes produce on the same case, computed by
 * tools/golden/lesson.py. It never runs a correct scheduler, so the student
 * edition of the graders contains no reference code.
 */
#ifndef GRADER_HINTS_H
#define GRADER_HINTS_H

#include <stdbool.h>
#include <stddef.h>

#include "golden.h"

/* The comparison every grader uses: |got - expected| <= rtol*|expected| + atol.
 * Wide enough for every correct implementation (recursive or closed form,
 * double or float state), far below any real mistake (a decay one epoch off
 * changes the rate by a factor gamma). */
typedef struct {
    double rtol, atol;
} Tolerance;

Tolerance lr_tolerance(const SchedSettings *s);
extern const Tolerance LOSS_TOLERANCE;
/* values_close (curve.h) with t: NaN matches only NaN, an infinity only itself. */
bool within(double expected, double got, Tolerance t);
/* "|got - expected| <= 1e-04 * |expected| + 1e-13" */
void tolerance_describe(Tolerance t, char *buf, size_t size);

typedef struct {
    const char *id;       /* "decays-early": stable, used in results.json and tests */
    const char *text;     /* what to look at, in a student's terms */
} Hint;

/* The catalogue entry for id (a generic one when id is unknown). */
const Hint *hint_find(const char *id);

typedef struct {
    const Hint *hint;
    const Hint *also;     /* a second mistake that fits equally well, or NULL */
    int epoch;            /* the epoch the hint refers to (first difference) */
} Diagnosis;

/* Classifies got against expected (n epochs). golden/case_index give the
 * known-mistake sequences of a public case (case_index < 0: none, e.g. for
 * hidden checks). */
Diagnosis classify(const SchedSettings *s, const double *expected, const double *got, int n,
                   const Golden *golden, int case_index);

#endif
