/* diagnose.h: why a replay's rate differs, from the schedulers' state.
 *
 * The runner reports the student's public state at the start of every epoch
 * (runcase.h) and the golden replay files carry torch's (tools/golden/
 * lesson.py). At the first epoch whose rate differs, the judge shows both
 * side by side, for that epoch and the one before, and the rule torch applied
 * between them in words, with the numbers:
 *
 *   epoch 11's metric 1 is not below best * (1 - 0.0001) = 0.9999, so
 *   num_bad_epochs 3 -> 4 > patience 3: reduce 0.1 * 0.5 = 0.05 ...
 *
 * Facts only: what torch did and where the two states part; the hints
 * (hints.c) are the guesses, and state_contradicts() vetoes a hint whose
 * advice the student's state shows their code already follows.
 */
#ifndef GRADER_DIAGNOSE_H
#define GRADER_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "golden.h"
#include "runs.h"

/* Appends to buf (NUL-terminated, size bytes in all) the state table and
 * torch's rule for the epoch first of replay c; nothing for curves or
 * schedulers without state. */
void describe_state(char *buf, size_t size, const GoldenCase *c, const Run *r, int first);

/* True when the student's trace shows their code already does what hint_id
 * asks for (so the hint would mislead). */
bool state_contradicts(const char *hint_id, const GoldenCase *c, const Run *r);

#endif
