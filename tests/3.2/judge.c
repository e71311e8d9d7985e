/* judge.c: the lesson 3.2 judge, the program that decides a grade.
 *
 *   judge --runner RUNNER [--runner-san RUNNER] [--json FILE] [--plots DIR]
 *         [--only NAME] [--timeout SECONDS] [--sandbox none|rlimit|bwrap|auto]
 *         [--sandbox-user NAME] [--seed-file FILE]
 *
 * The submission is not linked into this program: it is linked into the
 * runner (lessons/3.2/runner.c), which the judge starts for every graded
 * test with the test's cases on stdin (runs.h), alone and, when grading
 * others, inside bubblewrap as an unprivileged user (spawn.h). The judge
 * reads the runner's trace, compares it with the golden data (or, for the
 * hidden checks of the instructor edition, with the reference it runs
 * itself), and alone writes the verdicts: one Check test per graded check,
 * in fork mode, so that one check's trouble never stops the others.
 *
 * It prints one line per test with the failure message, hint and overlay
 * plot, a score per scheduler and `Score: a/b`, and writes results.json
 * (report.h) when --json is given: before the first test (every test "not
 * run") and after each one, so a file exists whatever happens.
 *
 * Golden data: the directory compiled in as KIT_GOLDEN_DIR (absolute), or
 * the environment variable KIT_GOLDEN_DIR. Exit status: 0 when every
 * required test that ran passed, 1 otherwise, 2 for a usage or setup error.
 * The instructor edition (built with -DKIT_INSTRUCTOR) adds hidden checks and
 * needs the grading seed: --seed-file (a file holding the number) or
 * GRADING_SEED in the environment. Neither reaches the runner: it is
 * started with an environment of its own (runs.c).
 */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
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
#include "runs.h"
#include "spawn.h"

#ifndef KIT_CHECKS
#define KIT_CHECKS "tests/3.2/checks.tsv"
#endif
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
static RunnerConfig runner;

static void plot_data_path(const GradedTest *t, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s-%s.dat", plots_dir, SCHED_NAMES[t->sched], t->name);
}

/* One graded test; _i is its index in GRADED_TESTS. Runs in a child process. */
START_TEST(graded_test)
{
    const GradedTest *t = &GRADED_TESTS[_i];
    int failed;
    if (t->kind == CHECK_HIDDEN) {
#ifdef KIT_INSTRUCTOR
        failed = run_hidden_test(t, &runner, grading_seed, message, sizeof message);
#else
        failed = 1;
        snprintf(message, sizeof message, "hidden checks exist only in the instructor edition");
#endif
    } else {
        char plot_data[PATH_MAX + 64];
        plot_data_path(t, plot_data, sizeof plot_data);
        failed = run_golden_test(&golden, &runner, t, plot_data, message, sizeof message);
    }
    if (failed)
        ck_abort_msg("%s", message);
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

/* A Check test process of the judge itself that did not end well: the
 * submission runs elsewhere, so this is the grader's fault, never the
 * student's (but a timeout of a whole test still counts as the code's). */
static char *describe_error(const char *check_msg, char *hint, size_t hint_size)
{
    const Hint *h = hint_find("grader-error");
    snprintf(hint, hint_size, "%s", h->id);
    return format("the grader's own test process failed (%s)\nhint [%s]: %s", check_msg, h->id,
                  h->text);
}

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

typedef struct {
    const char *json;
    const char *only;
    double timeout;
    const char *runner, *runner_san;
    const char *sandbox;        /* none, rlimit, bwrap, auto */
    const char *sandbox_user;
    const char *seed_file;
    bool verbose;               /* every scheduler in full (--verbose, or --only) */
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
        {"runner", required_argument, NULL, 'r'}, {"runner-san", required_argument, NULL, 'R'},
        {"sandbox", required_argument, NULL, 's'}, {"sandbox-user", required_argument, NULL, 'u'},
        {"seed-file", required_argument, NULL, 'S'}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    GraderOptions o = {NULL, NULL, 3.0, NULL, NULL, "none", NULL, NULL, false};
    default_plots_dir();
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (c) {
        case 'j': o.json = optarg; break;
        case 'p': snprintf(plots_dir, sizeof plots_dir, "%s", optarg); break;
        case 'o': o.only = optarg; break;
        case 'r': o.runner = optarg; break;
        case 'R': o.runner_san = optarg; break;
        case 's': o.sandbox = optarg; break;
        case 'u': o.sandbox_user = optarg; break;
        case 'S': o.seed_file = optarg; break;
        case 'v': o.verbose = true; break;
        case 't': {
            char *end;
            o.timeout = strtod(optarg, &end);
            if (end == optarg || *end || !(o.timeout > 0))
                usage_error("--timeout expects seconds > 0, got '%s'", optarg);
            break;
        }
        case 'h':
            puts("usage: judge --runner RUNNER [--runner-san RUNNER] [--json FILE] [--plots DIR]\n"
                 "             [--only NAME] [--timeout SECONDS] [--sandbox none|rlimit|bwrap|auto]\n"
                 "             [--sandbox-user NAME] [--seed-file FILE] [--verbose]\n"
                 "  the first failing scheduler is shown in full, the others on one line\n"
                 "  each; --verbose or --only shows everything\n"
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
    if (!o.runner)
        usage_error("--runner RUNNER is required (the submission's runner program)");
    if (strcmp(o.sandbox, "none") && strcmp(o.sandbox, "rlimit") && strcmp(o.sandbox, "bwrap") &&
        strcmp(o.sandbox, "auto"))
        usage_error("--sandbox expects none, rlimit, bwrap or auto, got '%s'", o.sandbox);
    o.verbose = o.verbose || o.only;
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
    char plot_data[PATH_MAX + 64];
    plot_data_path(t, plot_data, sizeof plot_data);
    unlink(plot_data);

    Suite *suite = suite_create(SCHED_NAMES[t->sched]);
    TCase *tc = tcase_create(t->name);
    /* The runner has its own clock (runs.h); this one only guards the judge. */
    tcase_set_timeout(tc, 4 * timeout + 10);
    tcase_add_loop_test(tc, graded_test, i, i + 1);
    suite_add_tcase(suite, tc);
    SRunner *srunner = srunner_create(suite);
    srunner_set_fork_status(srunner, CK_FORK);   /* one check's trouble ends its process only */
    double start = now();
    srunner_run(srunner, NULL, NULL, CK_SILENT);  /* CK_RUN_SUITE / CK_RUN_CASE still apply */
    out->seconds = now() - start;
    spawn_reap_orphans();   /* what the test process's runners left to us */
    if (srunner_ntests_run(srunner) == 0) {
        out->outcome = OUTCOME_NOT_RUN;
        srunner_free(srunner);
        return;
    }
    TestResult **results = srunner_results(srunner);
    TestResult *r = results[0];
    const char *msg = tr_msg(r) ? tr_msg(r) : "";
    if (tr_rtype(r) == CK_PASS) {
        out->outcome = OUTCOME_PASSED;
        out->output = format("");
    } else if (tr_rtype(r) == CK_FAILURE) {
        out->outcome = OUTCOME_FAILED;
        out->output = format("%s", msg);
        hint_id_of(msg, out->hint, sizeof out->hint);
        *timed_out = strcmp(out->hint, "timeout") == 0;
    } else {
        out->outcome = OUTCOME_FAILED;
        out->output = describe_error(msg, out->hint, sizeof out->hint);
    }
    free(results);
    srunner_free(srunner);

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

/* Colour only for a person at a terminal who did not ask for none (no-color.org). */
static bool colour;

static const char *paint(const char *code)
{
    return colour ? code : "";
}
#define GREEN paint("\033[32m")
#define RED paint("\033[1;31m")
#define BOLD paint("\033[1m")
#define PLAIN paint("\033[0m")

static void print_outcome(FILE *out, const TestOutcome *o)
{
    const GradedTest *t = o->test;
    char id[64];
    graded_test_id(t, id, sizeof id);
    int points = o->outcome == OUTCOME_PASSED ? t->points : 0;
    bool passed = o->outcome == OUTCOME_PASSED;
    fprintf(out, "  %s%s%s  %-24s %-56s %d/%d\n", passed ? GREEN : RED, passed ? "PASS" : "FAIL",
            PLAIN, id, t->title, points, t->points);
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
                if (piece <= 20) {   /* one long word (a path): never cut inside it */
                    piece = WRAP + strcspn(line + WRAP, " ");
                    piece = piece > len ? len : piece;
                }
            }
            fprintf(out, "        %s%.*s\n", first_piece ? "" : "  ", (int)piece, line);
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

static void absolute(const char *path, char *buf, size_t size)
{
    if (path[0] == '/' || !getcwd(buf, size))
        snprintf(buf, size, "%s", path);
    else
        snprintf(buf + strlen(buf), size - strlen(buf), "/%s", path);
}

/* The runners, their limits and their sandbox. --sandbox auto takes
 * bubblewrap when it works here, else rlimits, and says which in one line. */
static void setup_runner(const GraderOptions *o, TestOutcome *outcomes, int count)
{
    static char runner_path[PATH_MAX], san_path[PATH_MAX];
    absolute(o->runner, runner_path, sizeof runner_path);
    if (access(runner_path, X_OK) != 0)
        setup_error(o->json, outcomes, count, "no runner program at %s", runner_path);
    runner.runner = runner_path;
    if (o->runner_san) {
        absolute(o->runner_san, san_path, sizeof san_path);
        if (access(san_path, X_OK) != 0)
            setup_error(o->json, outcomes, count, "no sanitizer runner at %s", san_path);
        runner.runner_san = san_path;
    }
    /* A run's wall clock is the test's timeout, and it decides: the CPU
     * limit (per process) is only a backstop, set above it so that a busy
     * loop always ends as "timeout after T s". The sanitizer build is slower
     * and cannot live under an address-space cap (its shadow memory is
     * reserved, not used): it is bounded by its own RSS limit (runs.c) and
     * the process count instead. */
    runner.limits = (SpawnLimits){.wall_seconds = o->timeout, .cpu_seconds = 2 * o->timeout + 1,
                                  .mem_mib = 256, .nproc = 0, .tmp_mib = 16,
                                  .out_cap = 0, .err_cap = 64 * 1024};
    runner.san_limits = runner.limits;
    runner.san_limits.wall_seconds = 3 * o->timeout;
    runner.san_limits.cpu_seconds = 6 * o->timeout + 1;
    runner.san_limits.mem_mib = 0;
    Sandbox *sb = &runner.sandbox;
    sb->bwrap = "/usr/bin/bwrap";
    if (o->sandbox_user) {
        struct passwd *pw = getpwnam(o->sandbox_user);
        if (!pw)
            setup_error(o->json, outcomes, count, "no user %s for --sandbox-user", o->sandbox_user);
        if (geteuid() != 0)
            setup_error(o->json, outcomes, count, "--sandbox-user needs root (the judge switches "
                                                  "to that user for each run)");
        sb->as_user = true;
        sb->uid = pw->pw_uid;
        sb->gid = pw->pw_gid;
        /* The job's own user: its process count is this job's. */
        runner.limits.nproc = runner.san_limits.nproc = 16;
    }
    char why[256];
    if (strcmp(o->sandbox, "none") == 0) {
        sb->kind = SANDBOX_NONE;
    } else if (strcmp(o->sandbox, "rlimit") == 0) {
        sb->kind = SANDBOX_RLIMIT;
    } else {
        sb->kind = SANDBOX_BWRAP;
        if (!sandbox_works(sb, why, sizeof why)) {
            if (strcmp(o->sandbox, "bwrap") == 0)
                setup_error(o->json, outcomes, count, "bubblewrap does not work here: %s", why);
            sb->kind = SANDBOX_RLIMIT;
            fprintf(stderr, "judge: bubblewrap is unavailable here (%s): runners get rlimits "
                            "and their own user only\n", why);
        }
    }
    static char text[256];
    sandbox_describe(sb, text, sizeof text);
    report_set_sandbox(text);
}

int main(int argc, char **argv)
{
    {
        /* The catalogue first: --only names its checks. */
        char err[512];
        if (checks_load(KIT_CHECKS, err, sizeof err) != 0) {
            fprintf(stderr, "grader: cannot read the catalogue of checks: %s\n", err);
            return 2;
        }
    }
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
        char seed_text[64] = "";
        const char *seed = getenv("GRADING_SEED");
        if (opt.seed_file) {
            FILE *f = fopen(opt.seed_file, "r");
            if (!f || !fgets(seed_text, sizeof seed_text, f))
                setup_error(opt.json, outcomes, count, "cannot read the seed file %s", opt.seed_file);
            fclose(f);
            seed_text[strcspn(seed_text, "\r\n")] = '\0';
            seed = seed_text;
        }
        char *end;
        if (!seed || !*seed)
            setup_error(opt.json, outcomes, count, "the instructor edition needs GRADING_SEED (a number)");
        grading_seed = strtoull(seed, &end, 10);
        if (*end)
            setup_error(opt.json, outcomes, count, "GRADING_SEED must be a whole number, got '%s'", seed);
    }
    /* Nothing of this process's environment reaches a runner anyway (runs.c). */
    unsetenv("GRADING_SEED");
    setup_runner(&opt, outcomes, count);
    if (mkdir(plots_dir, 0777) != 0 && errno != EEXIST)
        setup_error(opt.json, outcomes, count, "cannot create the plot folder %s", plots_dir);
    check_set_max_msg_size(MSG_SIZE);
    fflush(stdout);

    const char *no_color = getenv("NO_COLOR");
    colour = isatty(STDOUT_FILENO) && !(no_color && *no_color);
    int score = 0, max_score = 0, bonus = 0, bonus_max = 0, failed_required = 0, ran = 0;
    bool timed_out_sched[SCHED_KINDS] = {false};
    int sched_score = 0, sched_max = 0, first_failure = -1;
    bool shown_in_full = false;   /* a failing scheduler was already printed in full */
    char *sched_text = NULL;
    size_t sched_text_size = 0;
    FILE *sched_out = NULL;       /* this scheduler's report, printed when it is done */
    for (int k = 0; k < count; k++) {
        const GradedTest *t = outcomes[k].test;
        bool first_of_sched = k == 0 || outcomes[k - 1].test->sched != t->sched;
        if (first_of_sched) {
            sched_out = open_memstream(&sched_text, &sched_text_size);
            if (!sched_out)
                sched_out = stdout;
            fprintf(sched_out, "%s%s%s%s\n", BOLD, SCHED_NAMES[t->sched], PLAIN,
                    t->bonus ? " (bonus, optional: extra credit)" : "");
            sched_score = sched_max = 0;
            first_failure = -1;
        }
        fflush(stdout);
        free(outcomes[k].output);
        outcomes[k].output = NULL;
        bool timed_out;
        run_one((int)(t - GRADED_TESTS), opt.timeout, timed_out_sched[t->sched], &outcomes[k], &timed_out);
        timed_out_sched[t->sched] = timed_out_sched[t->sched] || timed_out;
        if (outcomes[k].outcome != OUTCOME_NOT_RUN) {
            ran++;
            print_outcome(sched_out, &outcomes[k]);
            if (outcomes[k].outcome != OUTCOME_PASSED && first_failure < 0)
                first_failure = k;
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
        if (last_of_sched) {
            if (sched_max > 0)
                fprintf(sched_out, "  %s score: %d/%d\n\n", SCHED_NAMES[t->sched], sched_score, sched_max);
            if (sched_out != stdout)
                fclose(sched_out);
            /* In full: with --verbose, or the first failing scheduler in the
             * lesson's order; every other one on a line: its score, its first
             * failing check and that check's hint. */
            bool full = opt.verbose || (first_failure >= 0 && !shown_in_full);
            if (sched_out == stdout) {
                /* already printed (no memory for a buffer) */
            } else if (full || sched_max == 0) {
                fputs(sched_text ? sched_text : "", stdout);
            } else if (first_failure < 0) {
                printf("%s%-14s%s %2d/%-2d %sall passed%s%s\n", BOLD, SCHED_NAMES[t->sched], PLAIN,
                       sched_score, sched_max, GREEN, PLAIN, t->bonus ? " (bonus)" : "");
            } else {
                char id[64];
                graded_test_id(outcomes[first_failure].test, id, sizeof id);
                printf("%s%-14s%s %2d/%-2d %sfirst failing: %s%s [%s]%s\n", BOLD, SCHED_NAMES[t->sched],
                       PLAIN, sched_score, sched_max, RED, id, PLAIN, outcomes[first_failure].hint,
                       t->bonus ? " (bonus)" : "");
            }
            shown_in_full = shown_in_full || (first_failure >= 0 && full);
            free(sched_text);
            sched_text = NULL;
            sched_text_size = 0;
            fflush(stdout);
        }
    }
    if (!opt.verbose && ran > 0 && shown_in_full)
        printf("\n(one line per scheduler but the first failing one: VERBOSE=1 or ONLY=NAME shows all)\n");

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
