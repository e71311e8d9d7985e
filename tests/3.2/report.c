/* report.c: overlay plots through gnuplot, results.json through json-c. */
#define _POSIX_C_SOURCE 200809L

#include "report.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* The plots of one grader run, drawn together at the end by one gnuplot
 * process: starting gnuplot once per failure would make `make check` slow. */
enum { MAX_PLOTS = 64 };
static struct {
    char data[PATH_MAX], out[PATH_MAX], title[128];
    bool is_curve, lr_positive, loss_positive;
} plots[MAX_PLOTS];
static int plot_count;

static bool use_png(void)
{
    const char *format = getenv("KIT_PLOT_FORMAT");
    return format && strcmp(format, "png") == 0;
}

const char *plot_queue(const char *plot_data, const char *out_stem, const char *title,
                       char *written, size_t size)
{
    FILE *data = fopen(plot_data, "r");
    if (!data || plot_count == MAX_PLOTS) {
        if (data)
            fclose(data);
        return NULL;
    }
    char line[512] = "";
    bool is_curve = fgets(line, sizeof line, data) && strstr(line, " curve");
    /* Log scales only when every value is positive (a stub's rate is 0). */
    bool lr_positive = true, loss_positive = true;
    while (fgets(line, sizeof line, data)) {
        double e, a, b, c = 1, d = 1;
        if (sscanf(line, "%lf %lf %lf %lf %lf", &e, &a, &b, &c, &d) < 3)
            continue;
        lr_positive = lr_positive && a > 0 && b > 0;
        loss_positive = loss_positive && c > 0 && d > 0;
    }
    fclose(data);
    snprintf(written, size, "%s.%s", out_stem, use_png() ? "png" : "svg");
    snprintf(plots[plot_count].data, PATH_MAX, "%s", plot_data);
    snprintf(plots[plot_count].out, PATH_MAX, "%s", written);
    snprintf(plots[plot_count].title, sizeof plots[0].title, "%s", title);
    plots[plot_count].is_curve = is_curve;
    plots[plot_count].lr_positive = lr_positive;
    plots[plot_count].loss_positive = loss_positive;
    plot_count++;
    return written;
}

static void plot_one(FILE *gp, int i)
{
    const char *data = plots[i].data;
    fprintf(gp, "set output '%s'\n", plots[i].out);
    fprintf(gp, "set multiplot layout 2,1 title '%s'\n", plots[i].title);
    fprintf(gp, "set ylabel 'learning rate'\n%s\n",
            plots[i].lr_positive ? "set logscale y" : "unset logscale y");
    fprintf(gp, "plot '%s' using 1:2 with lines lw 3 lc rgb '#999999' title 'torch (expected)', "
                "'' using 1:3 with linespoints pt 7 ps 0.5 lc rgb '#d62728' title 'yours'\n",
            data);
    if (plots[i].is_curve) {
        fprintf(gp, "set ylabel 'training loss'\n%s\n",
                plots[i].loss_positive ? "set logscale y" : "unset logscale y");
        fprintf(gp, "plot '%s' using 1:4 with lines lw 3 lc rgb '#999999' title 'torch (expected)', "
                    "'' using 1:5 with linespoints pt 7 ps 0.5 lc rgb '#d62728' title 'yours'\n",
                data);
    } else {
        fprintf(gp, "unset logscale y\nset ylabel 'metric passed to step'\n");
        fprintf(gp, "plot '%s' using 1:4 with linespoints pt 7 ps 0.5 lc rgb '#1f77b4' title "
                    "'metric'\n",
                data);
    }
    fprintf(gp, "unset multiplot\nset output\n");
}

int plot_render_all(void)
{
    if (plot_count == 0)
        return 0;
    FILE *gp = popen("gnuplot 2>/dev/null", "w");
    if (!gp)
        return -1;
    fprintf(gp, "%s\n", use_png() ? "set terminal pngcairo size 900,700 font 'sans,10'"
                                  : "set terminal svg size 900,700 font 'sans,10'");
    fprintf(gp, "set grid\nset key below\nset offsets 0, 0, graph 0.05, graph 0.05\n"
                "set xlabel 'epoch'\nset format y '%%g'\n");
    for (int i = 0; i < plot_count; i++)
        plot_one(gp, i);
    int status = pclose(gp);
    plot_count = 0;
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static const char *report_sandbox = "none";

void report_set_sandbox(const char *description)
{
    report_sandbox = description;
}

int write_results_json(const char *path, const TestOutcome *outcomes, int count, bool instructor,
                       double seconds, const char *summary)
{
    json_object *root = json_object_new_object();
    json_object *tests = json_object_new_array();
    json_object *per_sched = json_object_new_object();
    double score = 0, max_score = 0;
    int sched_score[SCHED_KINDS] = {0}, sched_max[SCHED_KINDS] = {0};
    bool sched_seen[SCHED_KINDS] = {false};

    for (int i = 0; i < count; i++) {
        const TestOutcome *o = &outcomes[i];
        const GradedTest *t = o->test;
        char id[64], name[256];
        graded_test_id(t, id, sizeof id);
        snprintf(name, sizeof name, "%s: %s%s", id, t->title, t->bonus ? " (bonus, extra credit)" : "");
        int points = o->outcome == OUTCOME_PASSED ? t->points : 0;
        json_object *j = json_object_new_object();
        json_object_object_add(j, "name", json_object_new_string(name));
        json_object_object_add(j, "score", json_object_new_int(points));
        json_object_object_add(j, "max_score", json_object_new_int(t->bonus ? 0 : t->points));
        json_object_object_add(j, "status", json_object_new_string(
                                                o->outcome == OUTCOME_PASSED ? "passed" : "failed"));
        json_object_object_add(j, "output", json_object_new_string(o->output ? o->output : ""));
        json_object_object_add(j, "visibility", json_object_new_string("visible"));
        json_object *extra = json_object_new_object();
        json_object_object_add(extra, "id", json_object_new_string(id));
        json_object_object_add(extra, "scheduler", json_object_new_string(SCHED_NAMES[t->sched]));
        json_object_object_add(extra, "hint", json_object_new_string(o->hint));
        json_object_object_add(extra, "bonus", json_object_new_boolean(t->bonus));
        json_object_object_add(extra, "hidden", json_object_new_boolean(t->kind == CHECK_HIDDEN));
        json_object_object_add(extra, "ran", json_object_new_boolean(o->outcome != OUTCOME_NOT_RUN));
        json_object_object_add(j, "extra_data", extra);
        json_object_array_add(tests, j);
        score += points;
        if (!t->bonus)
            max_score += t->points;
        sched_score[t->sched] += points;
        sched_max[t->sched] += t->points;
        sched_seen[t->sched] = true;
    }
    for (int k = 0; k < SCHED_KINDS; k++) {
        if (!sched_seen[k])
            continue;
        json_object *s = json_object_new_object();
        json_object_object_add(s, "score", json_object_new_int(sched_score[k]));
        json_object_object_add(s, "max_score", json_object_new_int(sched_max[k]));
        json_object_object_add(s, "bonus", json_object_new_boolean(k == SCHED_WARMUP_COSINE));
        json_object_object_add(per_sched, SCHED_NAMES[k], s);
    }
    json_object_object_add(root, "score", json_object_new_double(score));
    json_object_object_add(root, "max_score", json_object_new_double(max_score));
    json_object_object_add(root, "execution_time", json_object_new_double(seconds));
    json_object_object_add(root, "output", json_object_new_string(summary));
    json_object_object_add(root, "visibility", json_object_new_string("visible"));
    json_object_object_add(root, "stdout_visibility", json_object_new_string("visible"));
    json_object_object_add(root, "tests", tests);
    json_object *extra = json_object_new_object();
    json_object_object_add(extra, "lesson", json_object_new_string("3.2"));
    json_object_object_add(extra, "edition", json_object_new_string(instructor ? "instructor" : "student"));
    json_object_object_add(extra, "sandbox", json_object_new_string(report_sandbox));
    json_object_object_add(extra, "schedulers", per_sched);
    json_object_object_add(root, "extra_data", extra);
    int status = json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    json_object_put(root);
    return status == 0 ? 0 : -1;
}
