/* hidden.h: the instructor edition's hidden checks.
 *
 * Each hidden check runs 12 to 16 parameter sets (and, for plateau, metric
 * sequences) drawn from GRADING_SEED, in one runner process; a submission
 * that hard-codes the public curves fails them. Every check has a stream of
 * its own (the seed mixed with a hash of the check's id), and every set a
 * fixed shape with drawn values (hidden.c), so that whether a catalogued
 * mistake is caught does not depend on the seed (test-lesson proves it over
 * 30 seeds). Expected rates come from the reference solution, compiled into
 * the instructor's judge only, with its functions renamed ref_*_init
 * (objcopy --redefine-sym); the submission runs in the runner, which holds
 * neither the reference nor the seed: it receives the drawn settings only.
 * Messages name the check and the hint, never the hidden settings or the
 * expected values, nor anything the submission could choose from the
 * settings it received (which set or epoch went wrong, its exit status or
 * signal): such a number would carry a hidden value out into the report. What
 * still goes out is whether the check passed and which hint it got.
 */
#ifndef GRADER_HIDDEN_H
#define GRADER_HIDDEN_H

#include <stddef.h>
#include <stdint.h>

#include "cases.h"

enum { HIDDEN_MAX_SETS = 16, HIDDEN_MAX_EPOCHS = 400 };

/* One drawn parameter set: the scheduler, its epochs, the metric it is
 * stepped with (plateau; 0 elsewhere). */
typedef struct {
    SchedSettings sched;
    int n;
    double metric[HIDDEN_MAX_EPOCHS];
} HiddenSet;

/* Draws the sets of hidden check t for this seed into sets (room for
 * HIDDEN_MAX_SETS); returns how many (0: t is no hidden check). */
int hidden_draw(const GradedTest *t, uint64_t grading_seed, HiddenSet *sets);

/* Runs hidden check t: 0 = pass, 1 = fail with msg. */
int run_hidden_test(const GradedTest *t, const RunnerConfig *runner, uint64_t grading_seed,
                    char *msg, size_t msg_size);

#endif
