/* check_model.c: common/model.c (nn.Linear and the MLP) against PyTorch and
 * against calculus.
 *
 *   - initial weights equal nn.Linear's / nn.Sequential's, bit for bit;
 *   - forward and backward of nn.Linear equal torch's for several shapes
 *     (linear_cases.csv), bias added last included;
 *   - a full-batch run replayed step by step equals torch's per-epoch
 *     weights, loss and gradients (steps_*.csv), bit for bit, Linear and MLP;
 *   - torch_tanhf equals torch.tanh, bit for bit;
 *   - analytic gradients equal finite differences (Linear and MLP);
 *   - gradients accumulate until zero_grad, as .grad does.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_test.h"
#include "loss.h"
#include "model.h"
#include "sgd.h"
#include "sleef.h"

// ----------------------------------------------------------------------------
// Initialisation

/* Seeds, draws the data the way the run did (so the generator is where torch's
 * was), and returns the generator ready for the model's draws. */
static Generator after_data(const char *kind, int seed, int n)
{
    Generator g;
    rng_manual_seed(&g, (uint64_t)seed);
    Dataset d = strcmp(kind, "sine") == 0 ? dataset_sine(&g, n) : dataset_linear(&g, n, NULL);
    dataset_free(&d);
    return g;
}

/* Every value of `layer` equals the golden init file's (prefix as in
 * golden_layer), bit for bit. */
static void expect_layer_equals_init(const Linear *layer, const char *file, const char *prefix)
{
    CsvTable init = golden_table(file);
    Linear expected;
    linear_alloc(&expected, layer->in, layer->out);
    golden_layer(&expected, &init, prefix);
    for (int i = 0; i < layer->in * layer->out; i++) {
        ck_assert_msg(same_float(layer->weight[i], expected.weight[i]),
                      "%s: %sweight[%d] expected %.9g got %.9g (kaiming_uniform_ bound in double, "
                      "weight drawn before bias)", file, prefix, i, (double)expected.weight[i],
                      (double)layer->weight[i]);
    }
    for (int o = 0; o < layer->out; o++) {
        ck_assert_msg(same_float(layer->bias[o], expected.bias[o]),
                      "%s: %sbias[%d] expected %.9g got %.9g (bound 1/sqrt(in))", file, prefix, o,
                      (double)expected.bias[o], (double)layer->bias[o]);
    }
    linear_free(&expected);
    csv_table_free(&init);
}

START_TEST(test_linear_init_equals_torch)
{
    const int seeds[] = { 0, 1, 42 };
    const int sizes[] = { 200, 37, 5 };
    for (int s = 0; s < 3; s++) {
        for (int k = 0; k < 3; k++) {
            Generator g = after_data("linear", seeds[s], sizes[k]);
            Linear layer;
            linear_init(&layer, &g, 1, 1);
            char file[96];
            snprintf(file, sizeof file, "init_linear_linear_seed%d_n%d.csv", seeds[s], sizes[k]);
            expect_layer_equals_init(&layer, file, "");
            linear_free(&layer);
        }
    }
}
END_TEST

START_TEST(test_mlp_init_equals_torch)
{
    /* Width 16 and 8: the output layer's bounds are not powers of two, so
     * both the bound's arithmetic and the draw's rounding show. */
    struct { int seed, n, width; } runs[] = { { 0, 200, 16 }, { 42, 37, 8 } };
    for (int r = 0; r < 2; r++) {
        Generator g = after_data("sine", runs[r].seed, runs[r].n);
        Mlp mlp;
        mlp_init(&mlp, &g, 1, runs[r].width, 1);
        char file[96];
        snprintf(file, sizeof file, "init_mlp%d_sine_seed%d_n%d.csv", runs[r].width, runs[r].seed,
                 runs[r].n);
        expect_layer_equals_init(&mlp.hidden, file, "0.");
        expect_layer_equals_init(&mlp.output, file, "2.");
        mlp_free(&mlp);
    }
}
END_TEST

// ----------------------------------------------------------------------------
// Forward and backward against torch

/* The values of one tensor of one case of linear_cases.csv, in order. */
static int case_tensor(const CsvTable *t, int case_id, const char *name, float *out, int capacity)
{
    const int case_col = golden_column(t, "case"), tensor_col = golden_column(t, "tensor");
    const int value_col = golden_column(t, "value");
    int count = 0;
    for (int r = 0; r < t->rows; r++) {
        if ((int)csv_table_number(t, r, case_col) == case_id &&
            strcmp(csv_table_text(t, r, tensor_col), name) == 0) {
            ck_assert_int_lt(count, capacity);
            out[count++] = (float)csv_table_number(t, r, value_col);
        }
    }
    return count;
}

static void expect_same(const char *what, int case_id, const float *expected, const float *got,
                        int count, const char *hint)
{
    for (int i = 0; i < count; i++) {
        ck_assert_msg(same_float(got[i], expected[i]),
                      "case %d %s[%d]: expected %.9g (torch) got %.9g; %s", case_id, what, i,
                      (double)expected[i], (double)got[i], hint);
    }
}

enum { CASE_MAX = 4096 };

START_TEST(test_linear_forward_backward_equal_torch)
{
    CsvTable t = golden_table("linear_cases.csv");
    const int case_col = golden_column(&t, "case"), n_col = golden_column(&t, "n");
    const int in_col = golden_column(&t, "in"), out_col = golden_column(&t, "out");
    static float x[CASE_MAX], dout[CASE_MAX], want[CASE_MAX], got[CASE_MAX];
    int cases = 0;
    for (int r = 0; r < t.rows; r++) {
        const int id = (int)csv_table_number(&t, r, case_col);
        if (id != cases) {
            continue; /* first row of each case only */
        }
        const int n = (int)csv_table_number(&t, r, n_col);
        const int in = (int)csv_table_number(&t, r, in_col), outs = (int)csv_table_number(&t, r, out_col);
        Linear layer;
        linear_alloc(&layer, in, outs);
        case_tensor(&t, id, "x", x, CASE_MAX);
        case_tensor(&t, id, "weight", layer.weight, in * outs);
        case_tensor(&t, id, "bias", layer.bias, outs);
        case_tensor(&t, id, "dout", dout, CASE_MAX);

        linear_forward(&layer, got, x, n);
        ck_assert_int_eq(case_tensor(&t, id, "out", want, CASE_MAX), n * outs);
        expect_same("out", id, want, got, n * outs, "each output is the left-to-right dot product "
                    "from 0, then + bias (netlib sgemm through addmm)");

        linear_zero_grad(&layer);
        linear_backward(&layer, got, dout, x, n);
        case_tensor(&t, id, "dx", want, CASE_MAX);
        expect_same("dx", id, want, got, n * in, "dx = dout @ weight, summed over outputs left to right");
        case_tensor(&t, id, "dweight", want, CASE_MAX);
        expect_same("dweight", id, want, layer.dweight, in * outs,
                    "dweight = dout^T x, summed over the rows left to right");
        case_tensor(&t, id, "dbias", want, CASE_MAX);
        expect_same("dbias", id, want, layer.dbias, outs,
                    "dbias = dout.sum(0) in torch's cascade order (torch_sum_column)");
        linear_free(&layer);
        cases++;
    }
    ck_assert_msg(cases >= 7, "linear_cases.csv has %d cases, expected 7 or more", cases);
    csv_table_free(&t);
}
END_TEST

START_TEST(test_linear_steps_equal_torch)
{
    /* A full-batch run replayed by hand with the five verbs; torch recorded
     * the weights before each update, the loss and both gradients. */
    struct { int seed, n; double lr; const char *file; } runs[] = {
        { 0, 37, 0.1, "steps_seed0_n37_lr0.1.csv" },
        { 1, 5, 0.5, "steps_seed1_n5_lr0.5.csv" },
        { 42, 200, 1.2, "steps_seed42_n200_lr1.2.csv" },
        { 0, 7, 3.0, "steps_seed0_n7_lr3.0.csv" },
    };
    for (int k = 0; k < 4; k++) {
        Dataset d = golden_dataset("linear", runs[k].seed, runs[k].n);
        CsvTable steps = golden_table(runs[k].file);
        float *weight = golden_floats(&steps, "weight"), *bias = golden_floats(&steps, "bias");
        float *loss = golden_floats(&steps, "loss"), *dweight = golden_floats(&steps, "dweight");
        float *dbias = golden_floats(&steps, "dbias");
        Linear layer;
        linear_alloc(&layer, 1, 1);
        layer.weight[0] = weight[0];
        layer.bias[0] = bias[0];
        Sgd opt;
        sgd_init(&opt, 0.0);
        sgd_add_param(&opt, layer.weight, layer.dweight, 1);
        sgd_add_param(&opt, layer.bias, layer.dbias, 1);
        float *pred = malloc((size_t)d.n * sizeof *pred), *dpred = malloc((size_t)d.n * sizeof *dpred);
        for (int e = 0; e < steps.rows; e++) {
            ck_assert_msg(same_float(layer.weight[0], weight[e]) && same_float(layer.bias[0], bias[e]),
                          "%s epoch %d: weights (%.9g, %.9g), torch had (%.9g, %.9g): the previous "
                          "update differs", runs[k].file, e, (double)layer.weight[0],
                          (double)layer.bias[0], (double)weight[e], (double)bias[e]);
            linear_forward(&layer, pred, d.x, d.n);
            const float l = mse_forward(pred, d.y, d.n);
            linear_zero_grad(&layer);
            mse_backward(dpred, pred, d.y, d.n);
            linear_backward(&layer, NULL, dpred, d.x, d.n);
            ck_assert_msg(same_float(l, loss[e]), "%s epoch %d: loss %.9g, torch %.9g", runs[k].file,
                          e, (double)l, (double)loss[e]);
            ck_assert_msg(same_float(layer.dweight[0], dweight[e]) && same_float(layer.dbias[0], dbias[e]),
                          "%s epoch %d: gradients (%.9g, %.9g), torch (%.9g, %.9g)", runs[k].file, e,
                          (double)layer.dweight[0], (double)layer.dbias[0], (double)dweight[e],
                          (double)dbias[e]);
            sgd_step(&opt, runs[k].lr);
        }
        free(pred);
        free(dpred);
        free(weight);
        free(bias);
        free(loss);
        free(dweight);
        free(dbias);
        sgd_free(&opt);
        linear_free(&layer);
        csv_table_free(&steps);
        dataset_free(&d);
    }
}
END_TEST

START_TEST(test_mlp_steps_equal_torch)
{
    Dataset d = golden_dataset("sine", 0, 200);
    CsvTable init = golden_table("init_mlp16_sine_seed0_n200.csv");
    Mlp mlp = { 0 };
    linear_alloc(&mlp.hidden, 1, 16);
    linear_alloc(&mlp.output, 16, 1);
    golden_layer(&mlp.hidden, &init, "0.");
    golden_layer(&mlp.output, &init, "2.");
    csv_table_free(&init);
    CsvTable steps = golden_table("mlp_steps_seed0_n200_w16.csv");
    const int epoch_col = golden_column(&steps, "epoch"), name_col = golden_column(&steps, "tensor");
    const int index_col = golden_column(&steps, "index"), value_col = golden_column(&steps, "value");
    const int grad_col = golden_column(&steps, "grad");
    Sgd opt;
    sgd_init(&opt, 0.0);
    sgd_add_param(&opt, mlp.hidden.weight, mlp.hidden.dweight, 16);
    sgd_add_param(&opt, mlp.hidden.bias, mlp.hidden.dbias, 16);
    sgd_add_param(&opt, mlp.output.weight, mlp.output.dweight, 16);
    sgd_add_param(&opt, mlp.output.bias, mlp.output.dbias, 1);
    float pred[200], dpred[200];
    int row = 0, epochs = 0;
    while (row < steps.rows) {
        const int epoch = (int)csv_table_number(&steps, row, epoch_col);
        mlp_forward(&mlp, pred, d.x, d.n);
        const float loss = mse_forward(pred, d.y, d.n);
        mlp_zero_grad(&mlp);
        mse_backward(dpred, pred, d.y, d.n);
        mlp_backward(&mlp, dpred, d.x, d.n);
        for (; row < steps.rows && (int)csv_table_number(&steps, row, epoch_col) == epoch; row++) {
            const char *name = csv_table_text(&steps, row, name_col);
            const int i = (int)csv_table_number(&steps, row, index_col);
            const double value = csv_table_number(&steps, row, value_col);
            const double grad = csv_table_number(&steps, row, grad_col);
            if (strcmp(name, "loss") == 0) {
                ck_assert_msg(same_float(loss, (float)value), "epoch %d: loss %.9g, torch %.9g",
                              epoch, (double)loss, value);
                continue;
            }
            Linear *layer = name[0] == '0' ? &mlp.hidden : &mlp.output;
            const bool is_weight = strstr(name, "weight") != NULL;
            const float v = is_weight ? layer->weight[i] : layer->bias[i];
            const float g = is_weight ? layer->dweight[i] : layer->dbias[i];
            ck_assert_msg(same_float(v, (float)value), "epoch %d: %s[%d] = %.9g, torch %.9g: the "
                          "previous update differs", epoch, name, i, (double)v, value);
            ck_assert_msg(same_float(g, (float)grad), "epoch %d: gradient of %s[%d] = %.9g, torch "
                          "%.9g (if the weights agree: the forward, tanh, or tanh backward dact * fmaf(-act, act, 1))", epoch, name, i,
                          (double)g, grad);
        }
        sgd_step(&opt, 0.1);
        epochs++;
    }
    ck_assert_int_ge(epochs, 5);
    sgd_free(&opt);
    mlp_free(&mlp);
    csv_table_free(&steps);
    dataset_free(&d);
}
END_TEST

START_TEST(test_tanh_equals_torch)
{
    CsvTable t = golden_table("tanh.csv");
    float *x = golden_floats(&t, "x"), *expected = golden_floats(&t, "tanh");
    int libm_differs = 0;
    for (int i = 0; i < t.rows; i++) {
        const float got = torch_tanhf(x[i]);
        ck_assert_msg(same_float(got, expected[i]), "tanh(%a = %.9g): torch %.9g, got %.9g", (double)x[i],
                      (double)x[i], (double)expected[i], (double)got);
        libm_differs += !same_float(tanhf(x[i]), expected[i]);
    }
    ck_assert_msg(t.rows > 1000 && libm_differs > 0,
                  "tanh.csv should hold values where libm's tanhf is not torch's (%d of %d)",
                  libm_differs, t.rows);
    /* The whole tensor at once, as the MLP calls it: on a CPU with AVX2 the
     * vector twin, 8 values at a time (common/avx2.h). */
    float *all = malloc((size_t)t.rows * sizeof *all);
    ck_assert_ptr_nonnull(all);
    torch_tanhf_array(all, x, (size_t)t.rows);
    for (int i = 0; i < t.rows; i++) {
        ck_assert_msg(same_float(all[i], expected[i]), "torch_tanhf_array: tanh(%a = %.9g): torch %.9g, got %.9g",
                      (double)x[i], (double)x[i], (double)expected[i], (double)all[i]);
    }
    free(all);
    free(x);
    free(expected);
    csv_table_free(&t);
}
END_TEST

// ----------------------------------------------------------------------------
// Calculus: analytic gradients against finite differences

/* The loss of a Linear layer in double precision: mean((x w^T + b - y)^2). */
static double linear_loss_double(const Linear *layer, const float *x, const float *y, int n)
{
    double sum = 0.0;
    for (int r = 0; r < n; r++) {
        for (int o = 0; o < layer->out; o++) {
            double pred = layer->bias[o];
            for (int i = 0; i < layer->in; i++) {
                pred += (double)x[r * layer->in + i] * layer->weight[o * layer->in + i];
            }
            const double diff = pred - y[r * layer->out + o];
            sum += diff * diff;
        }
    }
    return sum / (n * layer->out);
}

/* Central difference of f at *p, with a step the float can represent: the
 * parameter is a float, so the step is applied to the float and the actual
 * change (p+ - p-) is what the difference divides by. */
typedef double (*LossFn)(void *model, const float *x, const float *y, int n);

static double numeric_derivative(float *p, LossFn f, void *model, const float *x, const float *y, int n)
{
    const float saved = *p;
    const float step = fmaxf(1e-3f, fabsf(saved) * 1e-3f);
    *p = saved + step;
    const float up = *p;
    const double f_up = f(model, x, y, n);
    *p = saved - step;
    const float down = *p;
    const double f_down = f(model, x, y, n);
    *p = saved;
    return (f_up - f_down) / ((double)up - (double)down);
}

static double linear_loss_fn(void *model, const float *x, const float *y, int n)
{
    return linear_loss_double(model, x, y, n);
}

/* |analytic - numeric| small against the gradient's scale: the float
 * backward is accurate to ~1e-6, a second-order central difference with a
 * 1e-3 step to ~1e-6 of the curvature; a wrong formula is off by O(1). */
static void expect_derivative(const char *what, int i, double analytic, double numeric)
{
    ck_assert_msg(fabs(analytic - numeric) <= 1e-4 + 1e-3 * fabs(numeric),
                  "%s[%d]: analytic %.7g, finite difference %.7g", what, i, analytic, numeric);
}

START_TEST(test_linear_gradient_matches_finite_differences)
{
    enum { N = 6, IN = 3, OUT = 2 };
    float x[N * IN], y[N * OUT], pred[N * OUT], dpred[N * OUT], dx[N * IN];
    for (int i = 0; i < N * IN; i++) {
        x[i] = sinf(0.7f * (float)i) * 1.5f;
    }
    for (int i = 0; i < N * OUT; i++) {
        y[i] = cosf(1.3f * (float)i);
    }
    Linear layer;
    linear_alloc(&layer, IN, OUT);
    for (int i = 0; i < IN * OUT; i++) {
        layer.weight[i] = 0.25f * (float)(i % 4) - 0.3f;
    }
    layer.bias[0] = 0.1f;
    layer.bias[1] = -0.2f;

    linear_forward(&layer, pred, x, N);
    linear_zero_grad(&layer);
    mse_backward(dpred, pred, y, N * OUT);
    linear_backward(&layer, dx, dpred, x, N);

    for (int i = 0; i < IN * OUT; i++) {
        expect_derivative("dweight", i, layer.dweight[i],
                          numeric_derivative(&layer.weight[i], linear_loss_fn, &layer, x, y, N));
    }
    for (int o = 0; o < OUT; o++) {
        expect_derivative("dbias", o, layer.dbias[o],
                          numeric_derivative(&layer.bias[o], linear_loss_fn, &layer, x, y, N));
    }
    for (int i = 0; i < N * IN; i++) {
        /* x is an input, but the loss is a function of it all the same. */
        expect_derivative("dx", i, dx[i], numeric_derivative(&x[i], linear_loss_fn, &layer, x, y, N));
    }
    linear_free(&layer);
}
END_TEST

/* The MLP's loss in double: hidden = tanh(x W1^T + b1), out = hidden W2^T + b2. */
static double mlp_loss_fn(void *model, const float *x, const float *y, int n)
{
    const Mlp *mlp = model;
    const int width = mlp->hidden.out, in = mlp->hidden.in;
    double sum = 0.0;
    for (int r = 0; r < n; r++) {
        double out = mlp->output.bias[0];
        for (int h = 0; h < width; h++) {
            double pre = mlp->hidden.bias[h];
            for (int i = 0; i < in; i++) {
                pre += (double)x[r * in + i] * mlp->hidden.weight[h * in + i];
            }
            out += tanh(pre) * mlp->output.weight[h];
        }
        const double diff = out - y[r];
        sum += diff * diff;
    }
    return sum / n;
}

START_TEST(test_mlp_gradient_matches_finite_differences)
{
    enum { N = 7, IN = 2, WIDTH = 5 };
    float x[N * IN], y[N], pred[N], dpred[N];
    for (int i = 0; i < N * IN; i++) {
        x[i] = sinf(0.9f * (float)i + 0.3f);
    }
    for (int i = 0; i < N; i++) {
        y[i] = 0.5f * cosf(2.0f * (float)i);
    }
    Generator g;
    rng_manual_seed(&g, 7);
    Mlp mlp;
    mlp_init(&mlp, &g, IN, WIDTH, 1);

    mlp_forward(&mlp, pred, x, N);
    mlp_zero_grad(&mlp);
    mse_backward(dpred, pred, y, N);
    mlp_backward(&mlp, dpred, x, N);

    Linear *layers[2] = { &mlp.hidden, &mlp.output };
    const char *names[2] = { "hidden", "output" };
    for (int l = 0; l < 2; l++) {
        char what[32];
        for (int i = 0; i < layers[l]->in * layers[l]->out; i++) {
            snprintf(what, sizeof what, "%s.dweight", names[l]);
            expect_derivative(what, i, layers[l]->dweight[i],
                              numeric_derivative(&layers[l]->weight[i], mlp_loss_fn, &mlp, x, y, N));
        }
        for (int o = 0; o < layers[l]->out; o++) {
            snprintf(what, sizeof what, "%s.dbias", names[l]);
            expect_derivative(what, o, layers[l]->dbias[o],
                              numeric_derivative(&layers[l]->bias[o], mlp_loss_fn, &mlp, x, y, N));
        }
    }
    mlp_free(&mlp);
}
END_TEST

// ----------------------------------------------------------------------------
// Accumulation

START_TEST(test_gradients_accumulate_until_zero_grad)
{
    const float x[4] = { -1.0f, -0.25f, 0.5f, 1.0f }, dout[4] = { 0.5f, -1.0f, 0.25f, 2.0f };
    Linear layer;
    linear_alloc(&layer, 1, 1);
    layer.weight[0] = 0.75f;
    linear_backward(&layer, NULL, dout, x, 4);
    const float once_w = layer.dweight[0], once_b = layer.dbias[0];
    ck_assert_msg(once_w != 0.0f && once_b != 0.0f, "one backward must give non-zero gradients");
    linear_backward(&layer, NULL, dout, x, 4);
    ck_assert_msg(layer.dweight[0] == 2.0f * once_w && layer.dbias[0] == 2.0f * once_b,
                  "a second backward must add (+=) to the gradients, as torch's .grad does: "
                  "got (%g, %g) after (%g, %g)", (double)layer.dweight[0], (double)layer.dbias[0],
                  (double)once_w, (double)once_b);
    linear_zero_grad(&layer);
    ck_assert_msg(layer.dweight[0] == 0.0f && layer.dbias[0] == 0.0f, "zero_grad must clear both");
    ck_assert_msg(layer.weight[0] == 0.75f, "zero_grad must not touch the weights");
    linear_free(&layer);
}
END_TEST

START_TEST(test_mlp_buffers_grow_with_the_batch)
{
    /* A larger batch after a smaller one: the activation buffers must grow. */
    Generator g;
    rng_manual_seed(&g, 3);
    Mlp mlp;
    mlp_init(&mlp, &g, 1, 4, 1);
    float x[300], out[300], out_again[3];
    for (int i = 0; i < 300; i++) {
        x[i] = (float)i / 300.0f;
    }
    mlp_forward(&mlp, out_again, x, 3);
    mlp_forward(&mlp, out, x, 300);
    ck_assert_int_ge(mlp.capacity, 300);
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(same_float(out[i], out_again[i]), "row %d: the batch size must not change a row's output", i);
    }
    mlp_free(&mlp);
}
END_TEST

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    add_case(s, "linear init equals nn.Linear", test_linear_init_equals_torch);
    add_case(s, "mlp init equals nn.Sequential", test_mlp_init_equals_torch);
    add_case(s, "linear forward/backward equal torch", test_linear_forward_backward_equal_torch);
    add_case(s, "linear steps equal torch", test_linear_steps_equal_torch);
    add_case(s, "mlp steps equal torch", test_mlp_steps_equal_torch);
    add_case(s, "tanh equals torch.tanh", test_tanh_equals_torch);
    add_case(s, "linear gradient = finite differences", test_linear_gradient_matches_finite_differences);
    add_case(s, "mlp gradient = finite differences", test_mlp_gradient_matches_finite_differences);
    add_case(s, "gradients accumulate", test_gradients_accumulate_until_zero_grad);
    add_case(s, "mlp buffers grow", test_mlp_buffers_grow_with_the_batch);
    return s;
}

int main(void)
{
    return run_suite(model_suite());
}
