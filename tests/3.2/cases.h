/* cases.h: what the lesson 3.2 graders check, and how one check runs.
 *
 * A graded test (one line of `make check`, one entry of results.json) checks
 * every golden case tagged with its id ("step/lr-edges"): replays step the
 * submitted scheduler on torch's metric sequence and compare the rates;
 * curves train the lesson's model in the kit's core with the submitted
 * scheduler and compare rates and losses with torch's run.
 *
 * These functions run inside Check's forked test process of the judge; the
 * submission itself runs in the runner (runs.h), a process of its own.
 */
#ifndef GRADER_CASES_H
#define GRADER_CASES_H

#include <stdbool.h>
#include <stddef.h>

#include "golden.h"
#include "hints.h"
#include "runs.h"

typedef enum { CHECK_GOLDEN, CHECK_HIDDEN } CheckKind;

typedef struct {
    SchedKind sched;
    const char *name;       /* within the scheduler: "lr-edges" */
    const char *title;      /* what it checks, for people */
    int points;
    bool bonus;             /* extra credit: never needed for a full score */
    CheckKind kind;
} GradedTest;

/* The checks of the catalogue (tests/3.2/checks.tsv), in its order: the
 * lesson's. Empty until checks_load. */
extern const GradedTest *GRADED_TESTS;
extern int GRADED_TEST_COUNT;

/* Reads the catalogue; 0, or -1 with a one-line reason in err. */
int checks_load(const char *path, char *err, size_t err_size);

/* "step/lr-edges" */
void graded_test_id(const GradedTest *t, char *buf, size_t size);

/* Runs every golden case of test t. Returns 0 when all pass; otherwise 1 with
 * the failure message (case, first differing epoch, expected vs got, the
 * tolerance, "hint [id]: ...") in msg and, when plot_data is not NULL, the
 * student's and torch's curves written there for the overlay plot. */
int run_golden_test(const Golden *g, const RunnerConfig *runner, const GradedTest *t,
                    const char *plot_data, char *msg, size_t msg_size);

/* The hint for a runner that crashed, hung, exited, flooded, ... */
const Hint *runner_failure_hint(RunnerStatus status);

#endif
