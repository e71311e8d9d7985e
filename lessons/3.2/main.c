/* main.c: the lesson 3.2 program. Trains the post's linear regression with
 * each learning-rate schedule and compares them, or writes one run as CSV,
 * or replays a scheduler on a file of metric values.
 *
 *   lesson                          the four schedules side by side
 *   lesson --schedule step --csv    one run: epoch,lr,loss
 *   lesson --schedule plateau --metrics losses.txt    epoch,metric,lr
 *   lesson --help                   every flag
 *
 * Every run re-seeds the generator, so each schedule starts from the same
 * data and the same initial weights; the numbers equal those of the PyTorch
 * program in docs/pytorch-reference-program.md.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "demo.h"
#include "schedule_factory.h"
#include "train.h"

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

typedef struct {
    bool have_schedule;
    SchedKind schedule;
    double lr;
    int epochs, seed, samples;
    int step_size;
    bool have_gamma;
    double gamma;
    PlateauOptions plateau;
    int warmup;
    int total;           /* 0: the number of epochs */
    int batch_size, val_every;
    Metric plateau_metric;
    bool sine_data, mlp;
    int width;
    double momentum;
    bool csv;
    bool data_csv;
    const char *metrics_file;
} Options;

/* The post's values. */
static Options default_options(void)
{
    Options o;
    memset(&o, 0, sizeof o);
    o.lr = 0.1;
    o.epochs = 100;
    o.seed = 0;
    o.samples = 200;
    o.step_size = 50;
    o.plateau = (PlateauOptions){.mode = PLATEAU_MIN, .factor = 0.5, .patience = 10,
                                 .threshold = 1e-4, .threshold_mode = THRESHOLD_REL,
                                 .cooldown = 0, .min_lr = 0.0, .eps = 1e-8};
    o.warmup = 10;
    o.width = 16;
    o.plateau_metric = METRIC_TRAIN_LOSS;
    return o;
}

static void usage(FILE *out)
{
    fputs(
        "usage: lesson [options]\n"
        "Trains y = 2x + 1 + noise with SGD under learning-rate schedules (lesson 3.2).\n"
        "Without --schedule: runs constant, step, exponential and plateau and compares them.\n"
        "\n"
        "  --schedule NAME       constant | step | exponential | plateau | warmup_cosine\n"
        "  --lr X                initial learning rate (0.1)\n"
        "  --epochs N            epochs (100)\n"
        "  --seed N              torch.manual_seed (0)\n"
        "  --samples N           data points (200)\n"
        "step and exponential:\n"
        "  --step-size N         epochs between decays (50)\n"
        "  --gamma X             decay factor (step 0.1, exponential 0.95)\n"
        "plateau (ReduceLROnPlateau):\n"
        "  --mode min|max        (min)      --factor X       (0.5)\n"
        "  --patience N          (10)       --threshold X    (1e-4)\n"
        "  --threshold-mode rel|abs (rel)   --cooldown N     (0)\n"
        "  --min-lr X            (0)        --eps X          (1e-8)\n"
        "  --plateau-metric train|val       which loss it watches (train)\n"
        "warmup_cosine (bonus):\n"
        "  --warmup W            warm-up epochs (10)\n"
        "  --total T             epoch where the cosine reaches --min-lr (--epochs)\n"
        "training:\n"
        "  --batch-size B        0 = full batch (0)\n"
        "  --val-every K         every K-th sample is validation, 0 = none (0)\n"
        "  --data linear|sine    (linear)   --model linear|mlp (linear)\n"
        "  --width N             MLP hidden width (16)\n"
        "  --momentum X          SGD momentum (0)\n"
        "output:\n"
        "  --csv                 CSV to stdout: epoch,lr,loss[,val_loss]; without\n"
        "                        --schedule: schedule,epoch,lr,loss[,val_loss]\n"
        "  --data-csv            print the dataset (i,x,y,split; float32 values) and exit\n"
        "  --metrics FILE        replay: step the scheduler with the values in FILE\n"
        "                        (one per line) and print epoch,metric,lr\n"
        "  --help                this text\n",
        out);
}

/* One clear line, exit status 2: the contract for every bad input. */
static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lesson: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static double parse_double(const char *flag, const char *text)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        die("%s expects a number, got '%s'", flag, text);
    return v;
}

static int parse_int(const char *flag, const char *text)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || v < -1000000000L || v > 1000000000L)
        die("%s expects a whole number, got '%s'", flag, text);
    return (int)v;
}

static int parse_choice(const char *flag, const char *text, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(text, names[i]) == 0)
            return i;
    char list[160] = "";
    for (int i = 0; i < count; i++) {
        strncat(list, names[i], sizeof list - strlen(list) - 1);
        if (i + 1 < count)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
    }
    die("%s: unknown value '%s' (one of: %s)", flag, text, list);
    return -1;
}

enum {
    OPT_SCHEDULE = 256, OPT_LR, OPT_EPOCHS, OPT_SEED, OPT_SAMPLES, OPT_STEP_SIZE, OPT_GAMMA,
    OPT_PATIENCE, OPT_FACTOR, OPT_THRESHOLD, OPT_THRESHOLD_MODE, OPT_COOLDOWN, OPT_MIN_LR,
    OPT_EPS, OPT_MODE, OPT_WARMUP, OPT_TOTAL, OPT_BATCH_SIZE, OPT_VAL_EVERY, OPT_PLATEAU_METRIC,
    OPT_DATA, OPT_MODEL, OPT_WIDTH, OPT_MOMENTUM, OPT_CSV, OPT_DATA_CSV, OPT_METRICS, OPT_HELP
};

static const struct option LONG_OPTIONS[] = {
    {"schedule", required_argument, NULL, OPT_SCHEDULE},
    {"lr", required_argument, NULL, OPT_LR},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"samples", required_argument, NULL, OPT_SAMPLES},
    {"step-size", required_argument, NULL, OPT_STEP_SIZE},
    {"gamma", required_argument, NULL, OPT_GAMMA},
    {"patience", required_argument, NULL, OPT_PATIENCE},
    {"factor", required_argument, NULL, OPT_FACTOR},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"threshold-mode", required_argument, NULL, OPT_THRESHOLD_MODE},
    {"cooldown", required_argument, NULL, OPT_COOLDOWN},
    {"min-lr", required_argument, NULL, OPT_MIN_LR},
    {"eps", required_argument, NULL, OPT_EPS},
    {"mode", required_argument, NULL, OPT_MODE},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"total", required_argument, NULL, OPT_TOTAL},
    {"batch-size", required_argument, NULL, OPT_BATCH_SIZE},
    {"val-every", required_argument, NULL, OPT_VAL_EVERY},
    {"plateau-metric", required_argument, NULL, OPT_PLATEAU_METRIC},
    {"data", required_argument, NULL, OPT_DATA},
    {"model", required_argument, NULL, OPT_MODEL},
    {"width", required_argument, NULL, OPT_WIDTH},
    {"momentum", required_argument, NULL, OPT_MOMENTUM},
    {"csv", no_argument, NULL, OPT_CSV},
    {"data-csv", no_argument, NULL, OPT_DATA_CSV},
    {"metrics", required_argument, NULL, OPT_METRICS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const char *const MODE_NAMES[] = {"min", "max"};
static const char *const THRESHOLD_MODE_NAMES[] = {"rel", "abs"};
static const char *const METRIC_NAMES[] = {"train", "val"};
static const char *const DATA_NAMES[] = {"linear", "sine"};
static const char *const MODEL_NAMES[] = {"linear", "mlp"};

static void check_options(const Options *o)
{
    if (o->lr < 0)
        die("--lr must be >= 0, got %g", o->lr);
    if (o->epochs < 1)
        die("--epochs must be >= 1, got %d", o->epochs);
    if (o->seed < 0)
        die("--seed must be >= 0, got %d", o->seed);
    if (o->samples < 2)
        die("--samples must be >= 2, got %d", o->samples);
    if (o->step_size < 1)
        die("--step-size must be >= 1, got %d", o->step_size);
    if (o->have_gamma && o->gamma <= 0)
        die("--gamma must be > 0, got %g", o->gamma);
    if (o->plateau.factor <= 0 || o->plateau.factor >= 1)
        die("--factor must be between 0 and 1 (exclusive), got %g", o->plateau.factor);
    if (o->plateau.patience < 0)
        die("--patience must be >= 0, got %d", o->plateau.patience);
    if (o->plateau.threshold < 0)
        die("--threshold must be >= 0, got %g", o->plateau.threshold);
    if (o->plateau.cooldown < 0)
        die("--cooldown must be >= 0, got %d", o->plateau.cooldown);
    if (o->plateau.min_lr < 0)
        die("--min-lr must be >= 0, got %g", o->plateau.min_lr);
    if (o->plateau.eps < 0)
        die("--eps must be >= 0, got %g", o->plateau.eps);
    if (o->warmup < 0)
        die("--warmup must be >= 0, got %d", o->warmup);
    if (o->have_schedule && o->schedule == SCHED_WARMUP_COSINE) {
        int total = o->total ? o->total : o->epochs;
        if (total <= o->warmup)
            die("--total (%d) must be larger than --warmup (%d)", total, o->warmup);
        if (o->lr == 0)
            die("--lr must be > 0 for warmup_cosine (it scales by min_lr / lr)");
    }
    if (o->batch_size < 0)
        die("--batch-size must be >= 0, got %d", o->batch_size);
    if (o->val_every < 0 || o->val_every == 1)
        die("--val-every must be 0 (no validation) or >= 2, got %d", o->val_every);
    if (o->val_every > o->samples)
        die("--val-every (%d) leaves no validation sample among %d", o->val_every, o->samples);
    if (o->plateau_metric == METRIC_VAL_LOSS && o->val_every == 0)
        die("--plateau-metric val needs a validation set (--val-every K)");
    if (o->width < 1)
        die("--width must be >= 1, got %d", o->width);
    if (o->momentum < 0 || o->momentum >= 1)
        die("--momentum must be in [0, 1), got %g", o->momentum);
    if (o->metrics_file && !o->have_schedule)
        die("--metrics needs --schedule (which scheduler to replay)");
}

static Options parse_options(int argc, char **argv)
{
    Options o = default_options();
    opterr = 0;   /* our own one-line messages */
    for (;;) {
        int index = 0;
        int c = getopt_long(argc, argv, ":", LONG_OPTIONS, &index);
        if (c == -1)
            break;
        const char *flag = argv[optind - 1];
        switch (c) {
        case OPT_SCHEDULE:
            o.have_schedule = true;
            o.schedule = (SchedKind)parse_choice("--schedule", optarg, SCHED_NAMES, SCHED_KINDS);
            break;
        case OPT_LR: o.lr = parse_double("--lr", optarg); break;
        case OPT_EPOCHS: o.epochs = parse_int("--epochs", optarg); break;
        case OPT_SEED: o.seed = parse_int("--seed", optarg); break;
        case OPT_SAMPLES: o.samples = parse_int("--samples", optarg); break;
        case OPT_STEP_SIZE: o.step_size = parse_int("--step-size", optarg); break;
        case OPT_GAMMA:
            o.have_gamma = true;
            o.gamma = parse_double("--gamma", optarg);
            break;
        case OPT_PATIENCE: o.plateau.patience = parse_int("--patience", optarg); break;
        case OPT_FACTOR: o.plateau.factor = parse_double("--factor", optarg); break;
        case OPT_THRESHOLD: o.plateau.threshold = parse_double("--threshold", optarg); break;
        case OPT_THRESHOLD_MODE:
            o.plateau.threshold_mode =
                (ThresholdMode)parse_choice("--threshold-mode", optarg, THRESHOLD_MODE_NAMES, 2);
            break;
        case OPT_COOLDOWN: o.plateau.cooldown = parse_int("--cooldown", optarg); break;
        case OPT_MIN_LR: o.plateau.min_lr = parse_double("--min-lr", optarg); break;
        case OPT_EPS: o.plateau.eps = parse_double("--eps", optarg); break;
        case OPT_MODE: o.plateau.mode = (PlateauMode)parse_choice("--mode", optarg, MODE_NAMES, 2); break;
        case OPT_WARMUP: o.warmup = parse_int("--warmup", optarg); break;
        case OPT_TOTAL:
            o.total = parse_int("--total", optarg);
            if (o.total < 1)
                die("--total must be >= 1, got %d", o.total);
            break;
        case OPT_BATCH_SIZE: o.batch_size = parse_int("--batch-size", optarg); break;
        case OPT_VAL_EVERY: o.val_every = parse_int("--val-every", optarg); break;
        case OPT_PLATEAU_METRIC:
            o.plateau_metric = (Metric)parse_choice("--plateau-metric", optarg, METRIC_NAMES, 2);
            break;
        case OPT_DATA: o.sine_data = parse_choice("--data", optarg, DATA_NAMES, 2) == 1; break;
        case OPT_MODEL: o.mlp = parse_choice("--model", optarg, MODEL_NAMES, 2) == 1; break;
        case OPT_WIDTH: o.width = parse_int("--width", optarg); break;
        case OPT_MOMENTUM: o.momentum = parse_double("--momentum", optarg); break;
        case OPT_CSV: o.csv = true; break;
        case OPT_DATA_CSV: o.data_csv = true; break;
        case OPT_METRICS: o.metrics_file = optarg; break;
        case OPT_HELP: usage(stdout); exit(0);
        case ':': die("%s needs a value (try --help)", flag);
        default: die("unknown option '%s' (try --help)", flag);
        }
    }
    if (optind < argc)
        die("unexpected argument '%s' (try --help)", argv[optind]);
    check_options(&o);
    return o;
}

/* ------------------------------------------------------------------------
 * Schedulers
 * ------------------------------------------------------------------------ */

/* The settings of the scheduler of that kind the options describe (gamma
 * and total have defaults that depend on the schedule). */
static SchedSettings sched_settings(SchedKind kind, const Options *o)
{
    double default_gamma = kind == SCHED_EXPONENTIAL ? 0.95 : 0.1;
    return (SchedSettings){.kind = kind, .lr = o->lr, .step_size = o->step_size,
                           .gamma = o->have_gamma ? o->gamma : default_gamma,
                           .plateau = o->plateau, .warmup = o->warmup,
                           .total = o->total ? o->total : o->epochs};
}

/* ------------------------------------------------------------------------
 * One training run
 * ------------------------------------------------------------------------ */

/* The experiment the options describe (demo.h), for any schedule. */
static DemoSettings demo_settings(const Options *o)
{
    return (DemoSettings){.seed = o->seed, .samples = o->samples, .sine = o->sine_data,
                          .val_every = o->val_every, .mlp = o->mlp, .width = o->width,
                          .train = {.epochs = o->epochs, .batch_size = o->batch_size,
                                    .momentum = o->momentum, .metric = o->plateau_metric}};
}

/* Trains a fresh model (same seed: same data, same initial weights) with the
 * given schedule; fills curve. */
static void run_training(SchedKind kind, const Options *o, Curve *curve)
{
    const DemoSettings settings = demo_settings(o);
    DemoRun run;
    demo_run_init(&run, &settings);
    const SchedSettings sched_opts = sched_settings(kind, o);
    SchedStorage storage;
    Scheduler *sched = sched_build(&storage, &sched_opts);
    // [listing demo-loop]
    int status = train(&run.model, &run.train_set, &run.val_set, sched, &settings.train, &run.g, curve);
    // [/listing]
    if (status != 0)
        die(status == -1 ? "out of memory" : "the training settings do not fit the data");
    demo_run_free(&run);
}

/* The data of a run, exactly as training sees it: split is "train" or "val".
 * %.9g reads back as the same float32. */
static void write_data_csv(const Options *o)
{
    const DemoSettings settings = demo_settings(o);
    DemoRun run;
    demo_run_init(&run, &settings);
    printf("i,x,y,split\n");
    for (int i = 0; i < run.all.n; i++) {
        printf("%d,%.9g,%.9g,%s\n", i, run.all.x[i], run.all.y[i],
               dataset_is_val(i, o->val_every) ? "val" : "train");
    }
    demo_run_free(&run);
}

/* ------------------------------------------------------------------------
 * Replay: the scheduler alone, stepped with metrics read from a file
 * ------------------------------------------------------------------------ */

static void replay(const Options *o)
{
    FILE *f = fopen(o->metrics_file, "r");
    if (!f)
        die("cannot open metrics file '%s': %s", o->metrics_file, strerror(errno));
    const SchedSettings sched_opts = sched_settings(o->schedule, o);
    SchedStorage storage;
    Scheduler *sched = sched_build(&storage, &sched_opts);
    char line[256];
    int line_no = 0, epoch = 0;
    printf("epoch,metric,lr\n");
    // [listing replay-loop]
    while (fgets(line, sizeof line, f)) {
        line_no++;
        char *text = line + strspn(line, " \t");
        text[strcspn(text, " \t\r\n")] = '\0';
        if (*text == '\0')
            continue;                         /* blank line */
        char *end;
        double metric = strtod(text, &end);
        if (end == text || *end != '\0')
            die("%s line %d: not a number: '%s'", o->metrics_file, line_no, text);
        char metric_text[CSV_NUMBER_SIZE], lr_text[CSV_NUMBER_SIZE];   /* %.17g, NaN as "nan" */
        format_csv_number(metric_text, sizeof metric_text, metric);
        format_csv_number(lr_text, sizeof lr_text, sched->lr);         /* the rate this epoch used */
        printf("%d,%s,%s\n", epoch, metric_text, lr_text);
        sched->step(sched, metric);
        epoch++;
    }
    // [/listing]
    fclose(f);
    if (epoch == 0)
        die("metrics file '%s' has no values", o->metrics_file);
}

/* ------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------ */

/* A number for the human-readable tables: %.*g with the given significant
 * digits, but NaN always as "nan": a diverged run's NaN has its sign bit
 * set and glibc prints it "-nan" (the CSV writer, format_csv_number, does the
 * same for the same reason). Infinities print as "inf" and "-inf". */
enum { TABLE_NUMBER_SIZE = 32 };

static const char *table_number(char *buf, int digits, double v)
{
    if (isnan(v))
        return "nan";
    snprintf(buf, TABLE_NUMBER_SIZE, "%.*g", digits, v);
    return buf;
}

/* Each row is the schedule's name, then the row as --csv writes it (the
 * core's CSV writer: the val_loss column when the curve has one, NaN as "nan").
 * Every run has the same settings, so the first curve decides the header. */
static void write_long_csv(const Curve *curves, int count)
{
    printf("schedule,epoch,lr,loss%s\n", curves[0].has_val ? ",val_loss" : "");
    for (int k = 0; k < count; k++) {
        for (int e = 0; e < curves[k].n; e++) {
            printf("%s,", SCHED_NAMES[k]);
            curve_write_row(stdout, &curves[k], e);
        }
    }
}

static void print_comparison(const Options *o, const Curve *curves, int count)
{
    char lr_text[TABLE_NUMBER_SIZE], loss_text[TABLE_NUMBER_SIZE];
    printf("Learning-rate schedules: %s data (%d samples, seed %d), %s model, %s SGD%s,\n"
           "lr %g, %d epochs. Each schedule starts from the same data and weights.\n\n",
           o->sine_data ? "y = sin(3x) + noise" : "y = 2x + 1 + noise", o->samples, o->seed,
           o->mlp ? "MLP" : "linear", o->batch_size ? "mini-batch" : "full-batch",
           o->momentum > 0 ? " with momentum" : "", o->lr, o->epochs);
    printf("%5s", "epoch");
    for (int k = 0; k < count; k++)
        printf("  %-24s", SCHED_NAMES[k]);
    printf("\n%5s", "");
    for (int k = 0; k < count; k++)
        printf("  %-11s %-12s", "lr", "loss");
    putchar('\n');
    for (int e = 0; e < o->epochs; e++) {
        if (e % 10 != 0 && e != o->epochs - 1)
            continue;
        printf("%5d", e);
        for (int k = 0; k < count; k++)
            printf("  %-11s %-12s", table_number(lr_text, 4, curves[k].lr[e]),
                   table_number(loss_text, 6, curves[k].loss[e]));
        putchar('\n');
    }
    int last = o->epochs - 1;
    printf("\n%-18s", "final loss");
    for (int k = 0; k < count; k++)
        printf("  %-14s %-9s", SCHED_NAMES[k], table_number(loss_text, 6, curves[k].loss[last]));
    if (curves[0].has_val) {
        printf("\n%-18s", "final val loss");
        for (int k = 0; k < count; k++)
            printf("  %-14s %-9s", SCHED_NAMES[k],
                   table_number(loss_text, 6, curves[k].val_loss[last]));
    }
    printf("\n%-18s", "lr in last epoch");
    for (int k = 0; k < count; k++)
        printf("  %-14s %-9s", SCHED_NAMES[k], table_number(lr_text, 4, curves[k].lr[last]));
    int best = 0;   /* a diverged run (NaN loss) is never the lowest */
    for (int k = 1; k < count; k++)
        if (curves[k].loss[last] < curves[best].loss[last] || isnan(curves[best].loss[last]))
            best = k;
    printf("\n\nLowest final loss: %s. Settings: step size %d, gamma %g (step) and %g "
           "(exponential); plateau patience %d, factor %g, threshold %g %s.\n",
           SCHED_NAMES[best], o->step_size, o->have_gamma ? o->gamma : 0.1,
           o->have_gamma ? o->gamma : 0.95, o->plateau.patience, o->plateau.factor,
           o->plateau.threshold, THRESHOLD_MODE_NAMES[o->plateau.threshold_mode]);
}

int main(int argc, char **argv)
{
    Options o = parse_options(argc, argv);
    if (o.data_csv) {
        write_data_csv(&o);
        return 0;
    }
    if (o.metrics_file) {
        replay(&o);
        return 0;
    }
    if (o.have_schedule) {
        Curve curve;
        run_training(o.schedule, &o, &curve);
        if (o.csv) {
            curve_write_csv(stdout, &curve);
        } else {
            char lr_text[TABLE_NUMBER_SIZE], loss_text[TABLE_NUMBER_SIZE];
            printf("%-6s %-12s %-12s%s\n", "epoch", "lr", "loss", curve.has_val ? " val_loss" : "");
            for (int e = 0; e < curve.n; e++) {
                printf("%-6d %-12s %-12s", e, table_number(lr_text, 6, curve.lr[e]),
                       table_number(loss_text, 6, curve.loss[e]));
                if (curve.has_val)
                    printf(" %s", table_number(loss_text, 6, curve.val_loss[e]));
                putchar('\n');
            }
        }
        curve_free(&curve);
        return 0;
    }
    /* The four schedules of the post, side by side. */
    enum { COMPARED = 4 };
    Curve curves[COMPARED];
    for (int k = 0; k < COMPARED; k++)
        run_training((SchedKind)k, &o, &curves[k]);
    if (o.csv)
        write_long_csv(curves, COMPARED);
    else
        print_comparison(&o, curves, COMPARED);
    for (int k = 0; k < COMPARED; k++)
        curve_free(&curves[k]);
    return 0;
}
