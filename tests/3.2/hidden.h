/* hidden.h: the instructor edition's hidden checks.
 *
 * Parameter sets (and plateau metric sequences) are drawn from GRADING_SEED,
 * so a submission that hard-codes the public curves fails them. Expected
 * rates come from the reference solution, compiled into the instructor's
 * judge only, with its functions renamed ref_*_init (objcopy
 * --redefine-sym); the submission runs in the runner, which holds neither
 * the reference nor the seed: it receives the drawn settings only. Messages name the check, the epoch and the hint, never
 * the hidden settings or the expected values.
 */
#ifndef GRADER_HIDDEN_H
#define GRADER_HIDDEN_H

#include <stddef.h>
#include <stdint.h>

#include "cases.h"

/* Runs the hidden check of t's scheduler; 0 = pass, 1 = fail with msg. */
int run_hidden_test(const GradedTest *t, const RunnerConfig *runner, uint64_t grading_seed,
                    char *msg, size_t msg_size);

#endif
