/* report.h: what the graders hand back: console lines, plots, results.json.
 *
 * results.json follows Gradescope's autograder format (written with json-c):
 *   { "score", "max_score", "execution_time", "output",
 *     "tests": [ { "name", "score", "max_score", "status": "passed"|"failed",
 *                  "output", "visibility",
 *                  "extra_data": { "id", "scheduler", "hint", "bonus", "hidden" } } ],
 *     "extra_data": { "lesson", "edition", "sandbox", "schedulers": { name: {score, max_score} } } }
 * Bonus tests have max_score 0 and add their points to score (extra credit).
 */
#ifndef GRADER_REPORT_H
#define GRADER_REPORT_H

#include <stdbool.h>

#include "cases.h"

typedef enum { OUTCOME_NOT_RUN, OUTCOME_PASSED, OUTCOME_FAILED } Outcome;

typedef struct {
    const GradedTest *test;
    Outcome outcome;
    char *output;        /* failure message (with hint and plot path), or "" */
    char hint[40];       /* hint id of a failure, "" otherwise */
    double seconds;
} TestOutcome;

/* Queues an overlay plot of plot_data (written by the failed test): torch's
 * and the submission's rates (and losses, or the metric) over the epochs.
 * Writes the file name (out_stem + ".svg", or ".png" with
 * KIT_PLOT_FORMAT=png) into written and returns it, or NULL. */
const char *plot_queue(const char *plot_data, const char *out_stem, const char *title,
                       char *written, size_t size);
/* Draws every queued plot with one gnuplot process; 0 or -1. */
int plot_render_all(void);

/* What ran the runners, for results.json's extra_data.sandbox (the string
 * must outlive every write_results_json). */
void report_set_sandbox(const char *description);

/* Writes results.json; returns 0 or -1. */
int write_results_json(const char *path, const TestOutcome *outcomes, int count, bool instructor,
                       double seconds, const char *summary);

#endif
