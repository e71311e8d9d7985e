/* bench_core.c: how fast the training core runs the lesson's demo.
 *
 * Times train() on the post's runs (seed 0, 200 samples, lr 0.1, constant
 * rate) and prints nanoseconds per epoch; no pass/fail. With --results FILE
 * it also writes "name ns_per_epoch" lines, which bench/torch_demo.py reads
 * to print PyTorch's time for the same runs next to these.
 *
 *   bench_core [--epochs N] [--repeats R] [--results FILE] [--only NAME]
 *
 * --only runs one of the demos (linear_full, linear_batch32, mlp16_full),
 * for a profiler.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "train.h"

typedef struct {
    const char *name;    /* as torch_demo.py names it */
    const char *what;    /* for the table */
    bool mlp;
    int width, batch_size;
} Demo;

static const Demo DEMOS[] = {
    { "linear_full", "Linear(1,1), 200 samples, full batch", false, 0, 0 },
    { "linear_batch32", "Linear(1,1), 200 samples, batches of 32", false, 0, 32 },
    { "mlp16_full", "MLP 1-16-1 (tanh), 200 samples, full batch", true, 16, 0 },
};

static void constant_step(Scheduler *self, double metric)
{
    (void)self;
    (void)metric;
}

static double now_seconds(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One timed run of `epochs` epochs; returns seconds (setup excluded). */
static double time_run(const Demo *demo, int epochs)
{
    Generator g;
    rng_manual_seed(&g, 0);
    Dataset data = demo->mlp ? dataset_sine(&g, 200) : dataset_linear(&g, 200, NULL);
    Model model;
    if (demo->mlp) {
        model_init_mlp(&model, &g, 1, demo->width, 1);
    } else {
        model_init_linear(&model, &g, 1, 1);
    }
    Scheduler sched = { "constant", 0.1, 0.1, constant_step };
    TrainConfig cfg = { epochs, demo->batch_size, 0.0, METRIC_TRAIN_LOSS };
    Curve curve;
    const double start = now_seconds();
    const int status = train(&model, &data, NULL, &sched, &cfg, &g, &curve);
    const double seconds = now_seconds() - start;
    if (status != 0) {
        fprintf(stderr, "bench_core: train() failed (%d)\n", status);
        exit(1);
    }
    curve_free(&curve);
    model_free(&model);
    dataset_free(&data);
    return seconds;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: bench_core [--epochs N] [--repeats R] [--results FILE] [--only NAME]\n");
}

int main(int argc, char **argv)
{
    int epochs = 20000, repeats = 5;
    const char *results_path = NULL, *only = NULL;
    static const struct option options[] = {
        { "epochs", required_argument, NULL, 'e' },
        { "repeats", required_argument, NULL, 'r' },
        { "results", required_argument, NULL, 'o' },
        { "only", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'e':
            epochs = atoi(optarg);
            break;
        case 'r':
            repeats = atoi(optarg);
            break;
        case 'o':
            results_path = optarg;
            break;
        case 'n':
            only = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || epochs <= 0 || repeats <= 0) {
        fprintf(stderr, "bench_core: --epochs and --repeats take positive whole numbers\n");
        usage(stderr);
        return 2;
    }

    FILE *results = NULL;
    if (results_path != NULL && (results = fopen(results_path, "w")) == NULL) {
        fprintf(stderr, "bench_core: cannot write %s\n", results_path);
        return 2;
    }
    printf("bench-core: C training core, %d epochs, best of %d runs\n", epochs, repeats);
    for (size_t k = 0; k < sizeof DEMOS / sizeof DEMOS[0]; k++) {
        if (only != NULL && strcmp(only, DEMOS[k].name) != 0) {
            continue;
        }
        double best = time_run(&DEMOS[k], epochs);
        for (int r = 1; r < repeats; r++) {
            const double t = time_run(&DEMOS[k], epochs);
            best = t < best ? t : best;
        }
        const double ns = 1e9 * best / epochs;
        printf("  %-48s %10.0f ns/epoch\n", DEMOS[k].what, ns);
        if (results != NULL) {
            fprintf(results, "%s %.3f\n", DEMOS[k].name, ns);
        }
    }
    if (results != NULL) {
        fclose(results);
    }
    return 0;
}
