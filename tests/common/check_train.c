/* check_train.c: common/train.c, the whole training loop, against PyTorch.
 *
 * tests/golden/train/curves.csv lists every golden run with its settings
 * (tools/golden/train.py). Each is replayed here twice:
 *   - from the golden data and initial weights (data_*.csv, init_*.csv):
 *     tests the loop, model, loss and SGD alone, whatever rng.c does;
 *   - end to end: demo_run_init (seed, dataset_linear/dataset_sine, split,
 *     model init), then train(): what the lesson program runs.
 * Every run must match bit for bit, NaN and inf rows of diverged runs
 * included (Linear and MLP, full batch and mini-batch, momentum, validation).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_test.h"
#include "demo.h"
#include "train.h"

// ----------------------------------------------------------------------------
// Schedulers for the tests

/* The constant rate of the golden runs. */
static void constant_step(Scheduler *self, double metric)
{
    (void)self;
    (void)metric;
}

static Scheduler constant(double lr)
{
    return (Scheduler){ "constant", lr, lr, constant_step };
}

/* Halves the rate every epoch and remembers the metrics it was given. */
typedef struct {
    Scheduler base;
    int calls;
    double metrics[16];
} Recorder;

static void recorder_step(Scheduler *self, double metric)
{
    Recorder *r = (Recorder *)self;
    if (r->calls < 16) {
        r->metrics[r->calls] = metric;
    }
    r->calls++;
    self->lr *= 0.5;
}

// ----------------------------------------------------------------------------
// The manifest

typedef struct {
    char file[160];
    char data[16];
    bool mlp;
    int width, seed, n, epochs, batch_size, val_every;
    double lr, momentum;
} Run;

static CsvTable manifest;
static char manifest_error[512];

/* The full-batch rows of the manifest (mini-batch orders need the
 * generator, so those runs are replayed end to end only). */
enum { MAX_RUNS = 512 };
static int full_batch_rows[MAX_RUNS];
static int full_batch_count;

static Run manifest_run(int row)
{
    Run run;
    const CsvTable *t = &manifest;
    snprintf(run.file, sizeof run.file, "%s", csv_table_text(t, row, golden_column(t, "file")));
    snprintf(run.data, sizeof run.data, "%s", csv_table_text(t, row, golden_column(t, "data")));
    run.mlp = strcmp(csv_table_text(t, row, golden_column(t, "model")), "mlp") == 0;
    run.width = (int)csv_table_number(t, row, golden_column(t, "width"));
    run.seed = (int)csv_table_number(t, row, golden_column(t, "seed"));
    run.n = (int)csv_table_number(t, row, golden_column(t, "n"));
    run.lr = csv_table_number(t, row, golden_column(t, "lr"));
    run.epochs = (int)csv_table_number(t, row, golden_column(t, "epochs"));
    run.batch_size = (int)csv_table_number(t, row, golden_column(t, "batch_size"));
    run.momentum = csv_table_number(t, row, golden_column(t, "momentum"));
    run.val_every = (int)csv_table_number(t, row, golden_column(t, "val_every"));
    return run;
}

static Curve golden_curve(const char *file)
{
    char path[512], err[256];
    Curve c;
    golden_path(path, sizeof path, file);
    if (curve_read_csv(path, &c, err, sizeof err) != 0) {
        ck_abort_msg("%s: %s (regenerate with `make golden`)", path, err);
    }
    return c;
}

// ----------------------------------------------------------------------------
// Replaying a run

typedef enum { FROM_GOLDEN_INPUTS, END_TO_END } Source;

/* The run's data, model and generator, built one of two ways. */
static void prepare(const Run *run, Source source, DemoRun *d)
{
    if (source == END_TO_END) {
        const DemoSettings settings = { .seed = run->seed, .samples = run->n,
                                        .sine = strcmp(run->data, "sine") == 0,
                                        .val_every = run->val_every, .mlp = run->mlp,
                                        .width = run->width };
        demo_run_init(d, &settings);
        return;
    }
    rng_manual_seed(&d->g, (uint64_t)run->seed);
    d->all = golden_dataset(run->data, run->seed, run->n);
    dataset_split(&d->all, run->val_every, &d->train_set, &d->val_set);
    char model_name[32], name[160];
    if (run->mlp) {
        snprintf(model_name, sizeof model_name, "mlp%d", run->width);
    } else {
        snprintf(model_name, sizeof model_name, "linear");
    }
    snprintf(name, sizeof name, "init_%s_%s_seed%d_n%d.csv", model_name, run->data, run->seed,
             run->n);
    CsvTable init = golden_table(name);
    Model *m = &d->model;
    memset(m, 0, sizeof *m);
    if (run->mlp) {
        m->kind = MODEL_MLP;
        linear_alloc(&m->mlp.hidden, 1, run->width);
        linear_alloc(&m->mlp.output, run->width, 1);
        golden_layer(&m->mlp.hidden, &init, "0.");
        golden_layer(&m->mlp.output, &init, "2.");
    } else {
        m->kind = MODEL_LINEAR;
        linear_alloc(&m->linear, 1, 1);
        golden_layer(&m->linear, &init, "");
    }
    csv_table_free(&init);
}

/* Trains the run with its constant rate; returns the curve. */
static Curve train_run(const Run *run, Source source)
{
    DemoRun d;
    prepare(run, source, &d);
    Scheduler sched = constant(run->lr);
    TrainConfig cfg = { run->epochs, run->batch_size, run->momentum, METRIC_TRAIN_LOSS };
    Curve got;
    const int status = train(&d.model, &d.train_set, &d.val_set, &sched, &cfg, &d.g, &got);
    ck_assert_msg(status == 0, "%s: train() returned %d", run->file, status);
    demo_run_free(&d);
    return got;
}

/* Trains the run and compares its curve with the golden one, bit for bit. */
static void replay(const Run *run, Source source)
{
    Curve got = train_run(run, source);
    Curve expected = golden_curve(run->file);
    CurveDiff d = curve_compare(&expected, &got, 0.0, 0.0, 0.0);
    char why[256];
    curve_diff_describe(&d, why, sizeof why);
    ck_assert_msg(d.equal, "%s (%s): %s", run->file,
                  source == END_TO_END ? "end to end" : "from golden data and weights", why);
    curve_free(&expected);
    curve_free(&got);
}

/* Loop tests: _i is a manifest row, or an index into full_batch_rows. */
START_TEST(test_curve_from_golden_inputs)
{
    const Run run = manifest_run(full_batch_rows[_i]);
    replay(&run, FROM_GOLDEN_INPUTS);
}
END_TEST

START_TEST(test_curve_end_to_end)
{
    const Run run = manifest_run(_i);
    replay(&run, END_TO_END);
}
END_TEST

static void find_full_batch_rows(void)
{
    const int batch = csv_table_column(&manifest, "batch_size");
    for (int row = 0; row < manifest.rows && row < MAX_RUNS; row++) {
        if (csv_table_number(&manifest, row, batch) == 0) {
            full_batch_rows[full_batch_count++] = row;
        }
    }
}

START_TEST(test_golden_bit_exact_overall)
{
    /* One line for the record: how many values were compared, and the worst
     * relative difference, over every run end to end. */
    long values = 0;
    double worst = 0.0;
    for (int row = 0; row < manifest.rows; row++) {
        const Run run = manifest_run(row);
        Curve got = train_run(&run, END_TO_END), expected = golden_curve(run.file);
        for (int e = 0; e < expected.n && e < got.n; e++) {
            worst = fmax(worst, rel_diff(got.loss[e], expected.loss[e]));
            values++;
            if (run.val_every > 1) {
                worst = fmax(worst, rel_diff(got.val_loss[e], expected.val_loss[e]));
                values++;
            }
        }
        curve_free(&got);
        curve_free(&expected);
    }
    printf("train: %ld loss values of %d runs compared with torch, max rel diff %g\n", values,
           manifest.rows, worst);
    ck_assert_msg(values > 8000 && worst == 0.0, "compared %ld values, max rel diff %g", values, worst);
}
END_TEST

// ----------------------------------------------------------------------------
// The loop's contract with the scheduler

/* A small Linear run (seed 0, n 37) with the given scheduler and settings. */
static Curve small_run(Scheduler *sched, int epochs, int val_every, Metric metric)
{
    Generator g;
    rng_manual_seed(&g, 0);
    Dataset all = dataset_linear(&g, 37, NULL), tr, va;
    Model m;
    model_init_linear(&m, &g, 1, 1);
    if (val_every > 1) {
        dataset_split(&all, val_every, &tr, &va);
    }
    TrainConfig cfg = { epochs, 0, 0.0, metric };
    Curve c;
    const int status = train(&m, val_every > 1 ? &tr : &all, val_every > 1 ? &va : NULL, sched,
                             &cfg, &g, &c);
    ck_assert_msg(status == 0, "train() returned %d", status);
    if (val_every > 1) {
        dataset_free(&tr);
        dataset_free(&va);
    }
    dataset_free(&all);
    model_free(&m);
    return c;
}

START_TEST(test_lr_is_read_at_epoch_start_and_stepped_after)
{
    Recorder r = { { "halving", 0.4, 0.4, recorder_step }, 0, { 0 } };
    Curve c = small_run(&r.base, 6, 0, METRIC_TRAIN_LOSS);
    ck_assert_int_eq(c.n, 6);
    ck_assert_msg(r.calls == 6, "sched->step must be called once per epoch: %d calls for 6 epochs",
                  r.calls);
    double lr = 0.4;
    for (int e = 0; e < 6; e++) {
        ck_assert_msg(c.lr[e] == lr, "epoch %d: recorded lr %g, the scheduler's rate was %g "
                      "(read sched->lr at the start of the epoch, step at its end)", e, c.lr[e], lr);
        ck_assert_msg(r.metrics[e] == c.loss[e], "epoch %d: step() got %g, the epoch's loss is %g",
                      e, r.metrics[e], c.loss[e]);
        lr *= 0.5;
    }
    curve_free(&c);
}
END_TEST

START_TEST(test_val_metric_goes_to_the_scheduler)
{
    Recorder r = { { "halving", 0.1, 0.1, recorder_step }, 0, { 0 } };
    Curve c = small_run(&r.base, 5, 4, METRIC_VAL_LOSS);
    ck_assert_msg(c.has_val, "a run with a validation set records val_loss");
    for (int e = 0; e < 5; e++) {
        ck_assert_msg(r.metrics[e] == c.val_loss[e], "epoch %d: step() got %g, val_loss is %g",
                      e, r.metrics[e], c.val_loss[e]);
        ck_assert_msg(c.val_loss[e] != c.loss[e], "epoch %d: val_loss equals the training loss", e);
    }
    curve_free(&c);
}
END_TEST

START_TEST(test_zero_rate_freezes_the_model)
{
    /* lr 0 from epoch 1 on: the loss recorded in epochs 2.. is the loss after
     * epoch 1's (zero) update, so it must stay exactly the same. */
    Recorder r = { { "halving", 0.2, 0.2, recorder_step }, 0, { 0 } };
    r.base.step = constant_step;
    Curve moving = small_run(&r.base, 3, 0, METRIC_TRAIN_LOSS);
    Scheduler frozen = constant(0.0);
    Curve c = small_run(&frozen, 4, 0, METRIC_TRAIN_LOSS);
    for (int e = 1; e < 4; e++) {
        ck_assert_msg(c.loss[e] == c.loss[0], "lr 0: epoch %d loss %g differs from epoch 0's %g",
                      e, c.loss[e], c.loss[0]);
    }
    ck_assert_msg(moving.loss[1] < moving.loss[0], "lr 0.2 must lower the loss after one epoch");
    curve_free(&moving);
    curve_free(&c);
}
END_TEST

START_TEST(test_bad_configurations_are_refused)
{
    Generator g;
    rng_manual_seed(&g, 0);
    Dataset all = dataset_linear(&g, 10, NULL);
    Model m;
    model_init_linear(&m, &g, 1, 1);
    Scheduler s = constant(0.1);
    Curve c;
    memset(&c, 0xab, sizeof c); /* garbage: train() must initialise it even when it refuses */
    TrainConfig val_metric = { 3, 0, 0.0, METRIC_VAL_LOSS };
    ck_assert_msg(train(&m, &all, NULL, &s, &val_metric, &g, &c) == -2,
                  "METRIC_VAL_LOSS without a validation set must return -2");
    ck_assert_msg(c.n == 0 && c.lr == NULL && c.loss == NULL && c.val_loss == NULL && !c.has_val,
                  "a refused configuration leaves an empty curve (safe to free)");
    Dataset no_val = { 0, 1, 1, NULL, NULL };
    ck_assert_msg(train(&m, &all, &no_val, &s, &val_metric, &g, &c) == -2,
                  "METRIC_VAL_LOSS with an empty validation set must return -2");
    TrainConfig negative = { -1, 0, 0.0, METRIC_TRAIN_LOSS };
    ck_assert_msg(train(&m, &all, NULL, &s, &negative, &g, &c) == -2, "epochs -1 must return -2");
    TrainConfig bad_batch = { 3, -4, 0.0, METRIC_TRAIN_LOSS };
    ck_assert_msg(train(&m, &all, NULL, &s, &bad_batch, &g, &c) == -2, "batch -4 must return -2");
    Model wide;
    model_init_linear(&wide, &g, 2, 1);
    TrainConfig ok = { 3, 0, 0.0, METRIC_TRAIN_LOSS };
    ck_assert_msg(train(&wide, &all, NULL, &s, &ok, &g, &c) == -2,
                  "a 2-input model on 1-input data must return -2");
    model_free(&wide);
    model_free(&m);
    dataset_free(&all);
}
END_TEST

/* Seed 1, 20 samples, a fresh Linear model: the same start every call. */
static void fresh_start(Generator *g, Dataset *d, Model *m)
{
    rng_manual_seed(g, 1);
    *d = dataset_linear(g, 20, NULL);
    model_init_linear(m, g, 1, 1);
}

START_TEST(test_full_batch_draws_nothing)
{
    /* The reference program draws no random numbers while training; a batch
     * size >= n is full batch too, identical to batch_size 0. */
    Generator g0, g1, untouched0, untouched1;
    Dataset d0, d1;
    Model m0, m1;
    fresh_start(&g0, &d0, &m0);
    fresh_start(&g1, &d1, &m1);
    untouched0 = untouched1 = g0;
    Scheduler s0 = constant(0.3), s1 = constant(0.3);
    TrainConfig zero = { 5, 0, 0.0, METRIC_TRAIN_LOSS }, all = { 5, 20, 0.0, METRIC_TRAIN_LOSS };
    Curve c0, c1;
    ck_assert_int_eq(train(&m0, &d0, NULL, &s0, &zero, &g0, &c0), 0);
    ck_assert_int_eq(train(&m1, &d1, NULL, &s1, &all, &g1, &c1), 0);
    ck_assert_msg(rng_random(&g0) == rng_random(&untouched0) && rng_random(&g1) == rng_random(&untouched1),
                  "full-batch training must not draw from the generator");
    CurveDiff d = curve_compare(&c0, &c1, 0.0, 0.0, 0.0);
    ck_assert_msg(d.equal, "batch_size 20 on 20 samples must equal full batch");
    curve_free(&c0);
    curve_free(&c1);
    model_free(&m0);
    model_free(&m1);
    dataset_free(&d0);
    dataset_free(&d1);
}
END_TEST

// ----------------------------------------------------------------------------

static void add_loop_case(Suite *s, const char *name, const TTest *test, int rows)
{
    TCase *tc = tcase_create(name);
    tcase_add_loop_test(tc, test, 0, rows);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
}

START_TEST(test_manifest_readable)
{
    ck_abort_msg("%s (run from the repository root; `make golden` regenerates it)", manifest_error);
}
END_TEST

static Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    char path[512];
    golden_path(path, sizeof path, "curves.csv");
    if (csv_table_read(path, &manifest, manifest_error, sizeof manifest_error) != 0) {
        add_case(s, "golden manifest", test_manifest_readable);
        return s;
    }
    find_full_batch_rows();
    add_loop_case(s, "curves from golden data equal torch", test_curve_from_golden_inputs,
                  full_batch_count);
    add_loop_case(s, "curves end to end equal torch", test_curve_end_to_end, manifest.rows);
    TCase *overall = tcase_create("all curves bit for bit");
    tcase_add_test(overall, test_golden_bit_exact_overall);
    tcase_set_timeout(overall, 60);
    suite_add_tcase(s, overall);
    add_case(s, "lr read at epoch start, step at epoch end", test_lr_is_read_at_epoch_start_and_stepped_after);
    add_case(s, "val metric goes to the scheduler", test_val_metric_goes_to_the_scheduler);
    add_case(s, "zero rate freezes the model", test_zero_rate_freezes_the_model);
    add_case(s, "bad configurations refused", test_bad_configurations_are_refused);
    add_case(s, "full batch draws nothing", test_full_batch_draws_nothing);
    return s;
}

int main(void)
{
    const int status = run_suite(train_suite());
    csv_table_free(&manifest);
    return status;
}
