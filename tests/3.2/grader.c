/* grader.c: the lesson 3.2 grader binary.
 *
 *   grader [--json FILE] [--plots DIR] [--only NAME] [--timeout SECONDS]
 *
 * Runs every graded test (cases.h) of the scheduler file it was linked with,
 * each in its own Check test process (fork mode, a timeout per test), prints
 * one line per test with the failure message, hint and overlay plot, a score
 * per scheduler and `Score: a/b`, and writes results.json (report.h) when
 * --json is given: before the first test (every test "not run") and after
 * each one, so a file exists whatever happens.
 *
 * Golden data: the directory compiled in as KIT_GOLDEN_DIR (absolute), or
 * the environment variable KIT_GOLDEN_DIR. Exit status: 0 when every
 * required test that ran passed, 1 otherwise, 2 for a usage or setup error.
 * The instructor edition (built with -DKIT_INSTRUCTOR) adds hidden checks and
 * needs GRADING_SEED in the environment.
 */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"
#include "golden.h"
#ifdef KIT_INSTRUCTOR
#include "hidden.h"
#endif
#include "hints.h"
#include "report.h"

#ifndef KIT_GOLDEN_DIR
#define KIT_GOLDEN_DIR "tests/golden/3.2"
#endif

#ifdef KIT_INSTRUCTOR
static const bool INSTRUCTOR = true;
#else
static const bool INSTRUCTOR = false;
#endif

enum { MSG_SIZE = 16384, WRAP = 92 };

/* Set up by main before any test forks; the test processes inherit them. */
static Golden golden;
static char plots_dir[PATH_MAX];
static uint64_t grading_seed;
static char message[MSG_SIZE];

static void plot_data_path(const GradedTest *t, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s-%s.dat", plots_dir, SCHED_NAMES[t->sched], t->name);
}

/* Check counts a test process that exits with status 0 as passed, even when
 * exit(0) came from the submission half-way through. So a test that really
 * reached its end leaves this marker, and a "pass" without it is an exit. */
static void done_marker_path(const GradedTest *t, char *buf, size_t size)
{
    snprintf(buf, size, "%s/.%s-%s.done", plots_dir, SCHED_NAMES[t->sched], t->name);
}

/* One graded test; _i is its index in GRADED_TESTS. Runs in a child process. */
START_TEST(graded_test)
{
    const GradedTest *t = &GRADED_TESTS[_i];
    int failed;
    if (t->kind == CHECK_HIDDEN) {
#ifdef KIT_INSTRUCTOR
        failed = run_hidden_test(t, grading_seed, message, sizeof message);
#else
        failed = 1;
        snprintf(message, sizeof message, "hidden checks exist only in the instructor edition");
#endif
    } else {
        char plot_data[PATH_MAX + 64];
        plot_data_path(t, plot_data, sizeof plot_data);
        failed = run_golden_test(&golden, t, plot_data, message, sizeof message);
    }
    if (failed)
        ck_abort_msg("%s", message);
    char done[PATH_MAX + 64];
    done_marker_path(t, done, sizeof done);
    FILE *f = fopen(done, "w");
    if (f)
        fclose(f);
}
END_TEST

/* ------------------------------------------------------------------------
 * Turning Check's verdicts into messages
 * ------------------------------------------------------------------------ */

static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static void hint_id_of(const char *msg, char *id, size_t size)
{
    const char *h = strstr(msg, "hint [");
    id[0] = '\0';
    if (!h)
        return;
    h += strlen("hint [");
    size_t len = strcspn(h, "]");
    if (len >= size)
        len = size - 1;
    memcpy(id, h, len);
    id[len] = '\0';
}

/* Check reports a crash, a timeout or an exit() as CK_ERROR with its own
 * wording (check_run.c); say it in the student's terms. */
static char *describe_error(const char *check_msg, double timeout, char *hint, size_t hint_size,
                            bool *timed_out)
{
    int value;
    *timed_out = false;
    const Hint *h;
    char *text;
    if (strstr(check_msg, "timeout")) {
        *timed_out = true;
        h = hint_find("timeout");
        text = format("timeout after %g s: the test did not finish (an endless loop?)", timeout);
    } else if (sscanf(check_msg, "Received signal %d", &value) == 1) {
        const char *name = strsignal(value);
        char lower[64];
        snprintf(lower, sizeof lower, "%s", name ? name : "unknown signal");
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        h = hint_find("crash-signal");
        text = format("crashed with signal %d (%s)", value, lower);
    } else if (sscanf(check_msg, "Early exit with return value %d", &value) == 1) {
        h = hint_find("exit-called");
        text = format("called exit(%d): the test process ended inside your code%s", value,
                      value != 0 ? " (or a sanitizer stopped it: its report is above)" : "");
    } else {
        h = hint_find("crash-signal");
        text = format("the test process failed: %s", check_msg);
    }
    snprintf(hint, hint_size, "%s", h->id);
    char *full = format("%s\nhint [%s]: %s", text, h->id, h->text);
    free(text);
    return full;
}

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

typedef struct {
    const char *json;
    const char *only;
    double timeout;
} GraderOptions;

static _Noreturn void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("grader: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void default_plots_dir(void)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        snprintf(plots_dir, sizeof plots_dir, "plots");
        return;
    }
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(plots_dir, sizeof plots_dir, "%.*s/plots", PATH_MAX - 8, exe);
}

static bool selected(const GradedTest *t, const char *only)
{
    if (t->kind == CHECK_HIDDEN && !INSTRUCTOR)
        return false;
    if (!only)
        return true;
    char id[64];
    graded_test_id(t, id, sizeof id);
    return strcmp(only, SCHED_NAMES[t->sched]) == 0 || strcmp(only, id) == 0;
}

static GraderOptions parse_args(int argc, char **argv)
{
    static const struct option options[] = {
        {"json", required_argument, NULL, 'j'}, {"plots", required_argument, NULL, 'p'},
        {"only", required_argument, NULL, 'o'}, {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    GraderOptions o = {NULL, NULL, 3.0};
    default_plots_dir();
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (c) {
        case 'j': o.json = optarg; break;
        case 'p': snprintf(plots_dir, sizeof plots_dir, "%s", optarg); break;
        case 'o': o.only = optarg; break;
        case 't': {
            char *end;
            o.timeout = strtod(optarg, &end);
            if (end == optarg || *end || !(o.timeout > 0))
                usage_error("--timeout expects seconds > 0, got '%s'", optarg);
            break;
        }
        case 'h':
            puts("usage: grader [--json FILE] [--plots DIR] [--only NAME] [--timeout SECONDS]\n"
                 "  NAME: a scheduler (constant, step, exponential, plateau, warmup_cosine)\n"
                 "        or one test (step/lr-edges)\n"
                 "  env: KIT_GOLDEN_DIR (golden data), GRADING_SEED (instructor edition),\n"
                 "       CK_RUN_SUITE / CK_RUN_CASE, CK_TIMEOUT_MULTIPLIER (Check)");
            exit(0);
        case ':': usage_error("%s needs a value", argv[optind - 1]);
        default: usage_error("unknown option '%s' (try --help)", argv[optind - 1]);
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    if (o.only) {
        bool known = false;
        for (int i = 0; i < GRADED_TEST_COUNT; i++)
            known = known || selected(&GRADED_TESTS[i], o.only);
        if (!known)
            usage_error("--only %s: no such scheduler or test (constant, step, exponential, "
                        "plateau, warmup_cosine, or an id such as step/lr-edges)", o.only);
    }
    return o;
}

/* ------------------------------------------------------------------------
 * Running
 * ------------------------------------------------------------------------ */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Runs GRADED_TESTS[i] in its own Check runner; fills out. */
static void run_one(int i, double timeout, bool skip, TestOutcome *out, bool *timed_out)
{
    const GradedTest *t = &GRADED_TESTS[i];
    *timed_out = false;
    if (skip) {
        out->outcome = OUTCOME_FAILED;
        snprintf(out->hint, sizeof out->hint, "skipped");
        out->output = format("not run: an earlier %s test timed out after %g s\nhint [skipped]: %s",
                             SCHED_NAMES[t->sched], timeout, hint_find("skipped")->text);
        return;
    }
    char plot_data[PATH_MAX + 64], done[PATH_MAX + 64];
    plot_data_path(t, plot_data, sizeof plot_data);
    done_marker_path(t, done, sizeof done);
    unlink(plot_data);
    unlink(done);

    Suite *suite = suite_create(SCHED_NAMES[t->sched]);
    TCase *tc = tcase_create(t->name);
    tcase_set_timeout(tc, timeout);
    tcase_add_loop_test(tc, graded_test, i, i + 1);
    suite_add_tcase(suite, tc);
    SRunner *runner = srunner_create(suite);
    srunner_set_fork_status(runner, CK_FORK);   /* never run student code in this process */
    double start = now();
    srunner_run(runner, NULL, NULL, CK_SILENT);  /* CK_RUN_SUITE / CK_RUN_CASE still apply */
    out->seconds = now() - start;
    if (srunner_ntests_run(runner) == 0) {
        out->outcome = OUTCOME_NOT_RUN;
        srunner_free(runner);
        return;
    }
    TestResult **results = srunner_results(runner);
    TestResult *r = results[0];
    const char *msg = tr_msg(r) ? tr_msg(r) : "";
    if (tr_rtype(r) == CK_PASS && access(done, F_OK) == 0) {
        out->outcome = OUTCOME_PASSED;
        out->output = format("");
    } else if (tr_rtype(r) == CK_PASS) {
        out->outcome = OUTCOME_FAILED;
        out->output = describe_error("Early exit with return value 0", timeout, out->hint,
                                     sizeof out->hint, timed_out);
    } else if (tr_rtype(r) == CK_FAILURE) {
        out->outcome = OUTCOME_FAILED;
        out->output = format("%s", msg);
        hint_id_of(msg, out->hint, sizeof out->hint);
    } else {
        out->outcome = OUTCOME_FAILED;
        out->output = describe_error(msg, timeout, out->hint, sizeof out->hint, timed_out);
    }
    free(results);
    srunner_free(runner);
    unlink(done);

    if (out->outcome == OUTCOME_FAILED && access(plot_data, R_OK) == 0) {
        char stem[PATH_MAX + 64], written[PATH_MAX + 64], title[128], id[64];
        graded_test_id(t, id, sizeof id);
        snprintf(stem, sizeof stem, "%s/%s-%s", plots_dir, SCHED_NAMES[t->sched], t->name);
        snprintf(title, sizeof title, "%s: torch (expected) vs yours", id);
        if (plot_queue(plot_data, stem, title, written, sizeof written)) {
            char *with_plot = format("%s\nplot: %s", out->output, written);
            free(out->output);
            out->output = with_plot;
        }
    }
}

static void print_outcome(const TestOutcome *o)
{
    const GradedTest *t = o->test;
    char id[64];
    graded_test_id(t, id, sizeof id);
    int points = o->outcome == OUTCOME_PASSED ? t->points : 0;
    printf("  %s  %-22s %-56s %d/%d\n", o->outcome == OUTCOME_PASSED ? "PASS" : "FAIL", id,
           t->title, points, t->points);
    if (o->outcome != OUTCOME_FAILED)
        return;
    /* The message, indented under its test; long lines wrapped at spaces. */
    const char *p = o->output;
    while (*p) {
        size_t len = strcspn(p, "\n");
        const char *line = p;
        bool first_piece = true;
        while (len > 0 || first_piece) {
            size_t piece = len;
            if (piece > WRAP && (line[0] != ' ' || strncmp(line, "  or [", 6) == 0)) {
                piece = WRAP;
                while (piece > 20 && line[piece] != ' ')
                    piece--;
            }
            printf("        %s%.*s\n", first_piece ? "" : "  ", (int)piece, line);
            line += piece;
            len -= piece;
            while (len > 0 && *line == ' ') {
                line++;
                len--;
            }
            first_piece = false;
        }
        p = line;
        if (*p == '\n')
            p++;
    }
}

static void write_json(const char *path, const TestOutcome *outcomes, int count, double seconds,
                       const char *summary)
{
    if (path && write_results_json(path, outcomes, count, INSTRUCTOR, seconds, summary) != 0)
        fprintf(stderr, "grader: cannot write %s\n", path);
}

static void setup_error(const char *json, TestOutcome *outcomes, int count, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "grader: %s\n", text);
    for (int i = 0; i < count; i++) {
        outcomes[i].outcome = OUTCOME_FAILED;
        free(outcomes[i].output);      /* "not run (the grader stopped ...)" */
        outcomes[i].output = format("not run: %s", text);
    }
    write_json(json, outcomes, count, 0, text);
    exit(2);
}

int main(int argc, char **argv)
{
    GraderOptions opt = parse_args(argc, argv);
    double start = now();

    TestOutcome outcomes[64];
    int count = 0;
    for (int i = 0; i < GRADED_TEST_COUNT; i++) {
        if (!selected(&GRADED_TESTS[i], opt.only))
            continue;
        outcomes[count] = (TestOutcome){&GRADED_TESTS[i], OUTCOME_NOT_RUN,
                                        format("not run (the grader stopped before this test)"),
                                        "", 0};
        count++;
    }
    write_json(opt.json, outcomes, count, 0, "grading started");

    const char *dir = getenv("KIT_GOLDEN_DIR");
    if (!dir || !*dir)
        dir = KIT_GOLDEN_DIR;
    char err[512];
    if (golden_load(&golden, dir, err, sizeof err) != 0)
        setup_error(opt.json, outcomes, count, "cannot load the golden data: %s (set KIT_GOLDEN_DIR)", err);
    if (INSTRUCTOR) {
        const char *seed = getenv("GRADING_SEED");
        char *end;
        if (!seed || !*seed)
            setup_error(opt.json, outcomes, count, "the instructor edition needs GRADING_SEED (a number)");
        grading_seed = strtoull(seed, &end, 10);
        if (*end)
            setup_error(opt.json, outcomes, count, "GRADING_SEED must be a whole number, got '%s'", seed);
        /* The submission runs in this process's children: let it not read the seed. */
        unsetenv("GRADING_SEED");
    }
    if (mkdir(plots_dir, 0777) != 0 && errno != EEXIST)
        setup_error(opt.json, outcomes, count, "cannot create the plot folder %s", plots_dir);
    check_set_max_msg_size(MSG_SIZE);
    fflush(stdout);

    int score = 0, max_score = 0, bonus = 0, bonus_max = 0, failed_required = 0, ran = 0;
    bool timed_out_sched[SCHED_KINDS] = {false};
    int sched_score = 0, sched_max = 0;
    for (int k = 0; k < count; k++) {
        const GradedTest *t = outcomes[k].test;
        bool first_of_sched = k == 0 || outcomes[k - 1].test->sched != t->sched;
        if (first_of_sched) {
            printf("%s%s\n", SCHED_NAMES[t->sched], t->bonus ? " (bonus, optional: extra credit)" : "");
            sched_score = sched_max = 0;
        }
        fflush(stdout);
        free(outcomes[k].output);
        outcomes[k].output = NULL;
        bool timed_out;
        run_one((int)(t - GRADED_TESTS), opt.timeout, timed_out_sched[t->sched], &outcomes[k], &timed_out);
        timed_out_sched[t->sched] = timed_out_sched[t->sched] || timed_out;
        if (outcomes[k].outcome != OUTCOME_NOT_RUN) {
            ran++;
            print_outcome(&outcomes[k]);
            int points = outcomes[k].outcome == OUTCOME_PASSED ? t->points : 0;
            sched_score += points;
            sched_max += t->points;
            if (t->bonus) {
                bonus += points;
                bonus_max += t->points;
            } else {
                score += points;
                max_score += t->points;
                failed_required += outcomes[k].outcome != OUTCOME_PASSED;
            }
        }
        write_json(opt.json, outcomes, count, now() - start, "grading in progress");
        bool last_of_sched = k + 1 == count || outcomes[k + 1].test->sched != t->sched;
        if (last_of_sched && sched_max > 0)
            printf("  %s score: %d/%d\n\n", SCHED_NAMES[t->sched], sched_score, sched_max);
    }

    if (plot_render_all() != 0)
        printf("(gnuplot failed: the plots named above were not drawn)\n");
    char summary[256];
    snprintf(summary, sizeof summary, "Score: %d/%d", score, max_score);
    printf("Score: %d/%d\n", score, max_score);
    if (bonus_max)
        printf("Bonus (warmup_cosine, extra credit): %d/%d\n", bonus, bonus_max);
    if (ran == 0)
        printf("No test ran (check --only, CK_RUN_SUITE and CK_RUN_CASE).\n");
    if (bonus_max)
        snprintf(summary, sizeof summary, "Score: %d/%d, bonus (extra credit) %d/%d", score,
                 max_score, bonus, bonus_max);

    /* Keep only the tests that ran in results.json. */
    int kept = 0;
    for (int k = 0; k < count; k++) {
        if (outcomes[k].outcome == OUTCOME_NOT_RUN) {
            free(outcomes[k].output);
            continue;
        }
        outcomes[kept++] = outcomes[k];
    }
    write_json(opt.json, outcomes, kept, now() - start, summary);
    for (int k = 0; k < kept; k++)
        free(outcomes[k].output);
    golden_free(&golden);
    return failed_required == 0 && ran > 0 ? 0 : 1;
}
