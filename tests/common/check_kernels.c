/* check_kernels.c: every AVX2 twin of the core (common/kernels.h) against its
 * scalar reference, bit for bit, on random inputs and shapes.
 *
 * The golden suites check the public kernels against PyTorch on the lesson's
 * data; this one checks that the vector path and the scalar path agree on
 * inputs the lesson never makes: every float bit pattern (NaN, infinities,
 * subnormals, huge values), the edges of each kernel's ranges, lengths that
 * leave every possible tail, and shapes of every kind for the Linear layer
 * (each picks its lanes by shape). The inputs come from the kit's own
 * generator with fixed seeds, so a failure names a case that reruns.
 *
 * It runs on the hardware build only (mk/core.mk): the portable build has no
 * twins. On a CPU without AVX2 and FMA there is nothing to compare, and each
 * test says so on stderr.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_test.h"
#include "kernels.h"
#include "loss.h"
#include "rng.h"
#include "sleef.h"

#if KIT_AVX2

/* True when this CPU runs the twins; otherwise prints why the test compares
 * nothing. */
static bool twins_run_here(const char *what)
{
    if (kit_avx2()) {
        return true;
    }
    fprintf(stderr, "check_kernels: %s: this CPU has no AVX2+FMA, so no twin runs here\n", what);
    return false;
}

/* The first index where a and b differ in their bits, or -1. Any NaN
 * equals any NaN (core_test.h's same_float): which NaN an operation on two
 * NaNs, or inf - inf, returns depends on the order of its operands in the
 * instruction, which C leaves to the compiler for a commutative + or *, and
 * nothing in the kit (or in torch) gives a NaN's sign or payload a meaning. */
static long first_difference(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!same_float(a[i], b[i])) {
            return (long)i;
        }
    }
    return -1;
}

#define ASSERT_SAME_BITS(got, want, n, ...)                                                       \
    do {                                                                                          \
        const long at_ = first_difference((got), (want), (size_t)(n));                            \
        if (at_ >= 0) {                                                                           \
            char where_[200];                                                                     \
            snprintf(where_, sizeof where_, __VA_ARGS__);                                         \
            ck_abort_msg("%s: element %ld: twin %a, reference %a", where_, at_,                   \
                         (double)(got)[at_], (double)(want)[at_]);                                \
        }                                                                                         \
    } while (0)

static float *floats(size_t n)
{
    float *p = calloc(n > 0 ? n : 1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Any 32-bit pattern: NaNs, infinities, subnormals and huge values included. */
static float any_bits(Generator *g)
{
    const uint32_t bits = rng_random(g);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* An ordinary value below range in magnitude: a random sign, a full 24-bit
 * significand and an exponent from range/1024 to range, so that sums of
 * them round at almost every step and a changed order shows. */
static float within(Generator *g, float range)
{
    const uint32_t bits = rng_random(g);
    const float significand = 1.0f + (float)(bits & 0x7fffff) * 0x1p-23f; /* [1, 2) */
    const int exponent = -11 + (int)((bits >> 23) % 11);                  /* -11..-1 */
    const float magnitude = ldexpf(significand, exponent) * range;
    return bits >> 31 ? -magnitude : magnitude;
}

/* A value near the scale: mostly ordinary, now and then (1 in 64) an
 * awkward one: a special value or any bit pattern. */
static float mixed(Generator *g, float scale)
{
    static const float awkward[] = { 0.0f, -0.0f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN, 0x1p-149f, -0x1p-130f };
    const uint32_t pick = rng_random(g) % 64;
    if (pick == 0) {
        return any_bits(g);
    }
    if (pick == 1) {
        return awkward[rng_random(g) % (sizeof awkward / sizeof awkward[0])];
    }
    return within(g, scale);
}

/* Mixed values, for elementwise kernels: each output sees its own inputs. */
static void fill_mixed(Generator *g, float *p, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = mixed(g, scale);
    }
}

/* Ordinary values only, for sums: one infinity or NaN among the terms would
 * make every order give the same result and hide a wrong one. */
static void fill(Generator *g, float *p, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = within(g, scale);
    }
}

/* The values around a boundary b: b itself and its 8 float neighbours on
 * each side, both signs. */
static size_t around(float *p, float b)
{
    size_t k = 0;
    float up = b, down = b;
    p[k++] = b;
    p[k++] = -b;
    for (int i = 0; i < 8; i++) {
        up = nextafterf(up, INFINITY);
        down = nextafterf(down, 0.0f);
        p[k++] = up;
        p[k++] = -up;
        p[k++] = down;
        p[k++] = -down;
    }
    return k;
}

// ----------------------------------------------------------------------------
// sleef.c

/* Compares an elementwise twin on inputs of every kind, at every length
 * 0..40 (every tail) and on one long array. */
static void compare_elementwise(void (*twin)(float *, const float *, size_t),
                                void (*reference)(float *, const float *, size_t), float scale,
                                const float *edges, size_t edge_count, const char *name)
{
    Generator g;
    rng_manual_seed(&g, 13);
    enum { LONG = 100003 };
    float *x = floats(LONG), *got = floats(LONG), *want = floats(LONG);
    for (size_t n = 0; n <= 40; n++) {
        fill_mixed(&g, x, n, scale);
        twin(got, x, n);
        reference(want, x, n);
        ASSERT_SAME_BITS(got, want, n, "%s, n=%zu", name, n);
    }
    /* every bit pattern's kind, the ordinary range, and the edges */
    for (size_t i = 0; i < LONG; i++) {
        x[i] = i % 3 == 0 ? any_bits(&g) : mixed(&g, scale);
    }
    memcpy(x, edges, edge_count * sizeof *x);
    twin(got, x, LONG);
    reference(want, x, LONG);
    ASSERT_SAME_BITS(got, want, LONG, "%s, %d random values", name, LONG);
    /* in place, as the MLP calls tanh */
    memcpy(got, x, LONG * sizeof *x);
    twin(got, got, LONG);
    ASSERT_SAME_BITS(got, want, LONG, "%s in place", name);
    free(x);
    free(got);
    free(want);
}

START_TEST(test_tanh_twin)
{
    if (!twins_run_here("tanh")) {
        return;
    }
    float edges[200];
    size_t k = around(edges, 8.664339742f);  /* where tanh saturates to 1 */
    k += around(edges + k, 0.5f * logf(3.0f)); /* q of the exponential turns over */
    k += around(edges + k, 0x1p-126f);        /* smallest normal */
    compare_elementwise(torch_tanhf_array_avx2, torch_tanhf_array_scalar, 10.0f, edges, k, "tanh");
}
END_TEST

START_TEST(test_sin_twin)
{
    if (!twins_run_here("sin")) {
        return;
    }
    float edges[200];
    size_t k = around(edges, 125.0f); /* where SLEEF's other reduction starts */
    k += around(edges + k, 3.14159265f);
    k += around(edges + k, 1.57079633f);
    compare_elementwise(torch_sinf_array_avx2, torch_sinf_array_scalar, 130.0f, edges, k, "sin");
}
END_TEST

// ----------------------------------------------------------------------------
// loss.c

START_TEST(test_sum_twin)
{
    if (!twins_run_here("torch_sum")) {
        return;
    }
    Generator g;
    rng_manual_seed(&g, 17);
    /* every length up to 600 (every tail, every leftover vector), then the
     * lengths where the cascade carries into its upper levels */
    static const int longer[] = { 1024, 4095, 8192, 8199, 65536, 65543, 131111, 1 << 20, (1 << 21) + 77 };
    float *v = floats((size_t)longer[8]);
    for (int n = 0; n <= 600; n++) {
        fill(&g, v, (size_t)n, 4.0f);
        const float got = torch_sum_avx2(v, n), want = torch_sum_scalar(v, n);
        ASSERT_SAME_BITS(&got, &want, 1, "torch_sum, n=%d", n);
    }
    for (size_t k = 0; k < sizeof longer / sizeof longer[0]; k++) {
        const int n = longer[k];
        fill(&g, v, (size_t)n, 1.0f);
        const float got = torch_sum_avx2(v, n), want = torch_sum_scalar(v, n);
        ASSERT_SAME_BITS(&got, &want, 1, "torch_sum, n=%d", n);
    }
    /* all -0: the sign of the result tells whether a sum starts from +0 */
    for (int n = 0; n <= 40; n++) {
        for (int i = 0; i < n; i++) {
            v[i] = -0.0f;
        }
        const float got = torch_sum_avx2(v, n), want = torch_sum_scalar(v, n);
        ASSERT_SAME_BITS(&got, &want, 1, "torch_sum of -0, n=%d", n);
    }
    free(v);
}
END_TEST

START_TEST(test_column_sums_twin)
{
    if (!twins_run_here("column sums")) {
        return;
    }
    Generator g;
    rng_manual_seed(&g, 19);
    enum { MAX_COLS = 80 };
    static const int row_counts[] = { 0, 1, 3, 7, 8, 15, 16, 33, 64, 200, 513, 4100 };
    float *m = floats((size_t)4100 * MAX_COLS);
    float got[MAX_COLS], want[MAX_COLS];
    for (size_t k = 0; k < sizeof row_counts / sizeof row_counts[0]; k++) {
        const int rows = row_counts[k];
        for (int cols = 1; cols <= MAX_COLS; cols++) {
            fill(&g, m, (size_t)rows * cols, 2.0f);
            fill(&g, want, cols, 1.0f); /* they add to what is there, as .grad does */
            memcpy(got, want, sizeof got);
            torch_add_column_sums_avx2(got, m, rows, cols);
            torch_add_column_sums_scalar(want, m, rows, cols);
            ASSERT_SAME_BITS(got, want, cols, "column sums, %d rows, %d columns", rows, cols);
        }
    }
    free(m);
}
END_TEST

START_TEST(test_mse_twins)
{
    if (!twins_run_here("mse")) {
        return;
    }
    Generator g;
    rng_manual_seed(&g, 23);
    enum { MAX_N = 300 };
    float pred[MAX_N], y[MAX_N], got[MAX_N], want[MAX_N];
    for (int n = 0; n < MAX_N; n++) {
        fill_mixed(&g, pred, (size_t)n, 3.0f);
        fill_mixed(&g, y, (size_t)n, 3.0f);
        squared_errors_avx2(got, pred, y, n);
        squared_errors_scalar(want, pred, y, n);
        ASSERT_SAME_BITS(got, want, n, "squared errors, n=%d", n);
        mse_backward_avx2(got, pred, y, n);
        mse_backward_scalar(want, pred, y, n);
        ASSERT_SAME_BITS(got, want, n, "mse backward, n=%d", n);
    }
}
END_TEST

// ----------------------------------------------------------------------------
// model.c

/* Two layers of the same shape and parameters, with the same gradients
 * already accumulated (backward adds to them). */
static void twin_layers(Generator *g, Linear *a, Linear *b, int in, int out)
{
    linear_alloc(a, in, out);
    linear_alloc(b, in, out);
    const size_t weights = (size_t)in * (size_t)out;
    fill(g, a->weight, weights, 1.0f);
    fill(g, a->bias, (size_t)out, 1.0f);
    fill(g, a->dweight, weights, 0.5f);
    fill(g, a->dbias, (size_t)out, 0.5f);
    memcpy(b->weight, a->weight, weights * sizeof *a->weight);
    memcpy(b->bias, a->bias, (size_t)out * sizeof *a->bias);
    memcpy(b->dweight, a->dweight, weights * sizeof *a->dweight);
    memcpy(b->dbias, a->dbias, (size_t)out * sizeof *a->dbias);
}

/* Forward and backward (with and without dx) of one shape on both paths;
 * awkward: the inputs include special values (fill_mixed). */
static void compare_linear_with(Generator *g, int in, int out, int n, bool awkward)
{
    Linear twin, ref;
    twin_layers(g, &twin, &ref, in, out);
    float *x = floats((size_t)n * in), *dout = floats((size_t)n * out);
    float *out_twin = floats((size_t)n * out), *out_ref = floats((size_t)n * out);
    float *dx_twin = floats((size_t)n * in), *dx_ref = floats((size_t)n * in);
    (awkward ? fill_mixed : fill)(g, x, (size_t)n * in, 2.0f);
    (awkward ? fill_mixed : fill)(g, dout, (size_t)n * out, 1.0f);

    linear_forward_avx2(&twin, out_twin, x, n);
    linear_forward_scalar(&ref, out_ref, x, n);
    ASSERT_SAME_BITS(out_twin, out_ref, (size_t)n * out, "forward, in=%d out=%d n=%d", in, out, n);

    linear_backward_avx2(&twin, dx_twin, dout, x, n);
    linear_backward_scalar(&ref, dx_ref, dout, x, n);
    ASSERT_SAME_BITS(twin.dweight, ref.dweight, (size_t)in * out, "dweight, in=%d out=%d n=%d", in, out, n);
    ASSERT_SAME_BITS(twin.dbias, ref.dbias, out, "dbias, in=%d out=%d n=%d", in, out, n);
    ASSERT_SAME_BITS(dx_twin, dx_ref, (size_t)n * in, "dx, in=%d out=%d n=%d", in, out, n);

    linear_backward_avx2(&twin, NULL, dout, x, n); /* accumulates once more */
    linear_backward_scalar(&ref, NULL, dout, x, n);
    ASSERT_SAME_BITS(twin.dweight, ref.dweight, (size_t)in * out, "dweight again, in=%d out=%d n=%d", in, out, n);
    ASSERT_SAME_BITS(twin.dbias, ref.dbias, out, "dbias again, in=%d out=%d n=%d", in, out, n);

    free(x);
    free(dout);
    free(out_twin);
    free(out_ref);
    free(dx_twin);
    free(dx_ref);
    linear_free(&twin);
    linear_free(&ref);
}

static void compare_linear(Generator *g, int in, int out, int n)
{
    compare_linear_with(g, in, out, n, false);
    compare_linear_with(g, in, out, n, true);
}

START_TEST(test_linear_twins)
{
    if (!twins_run_here("linear")) {
        return;
    }
    Generator g;
    rng_manual_seed(&g, 29);
    /* the lesson's layers first, then every small shape on both sides of 8 */
    compare_linear(&g, 1, 1, 200);
    compare_linear(&g, 1, 16, 200);
    compare_linear(&g, 16, 1, 200);
    compare_linear(&g, 1, 8, 37);
    compare_linear(&g, 8, 1, 37);
    for (int in = 1; in <= 19; in++) {
        for (int out = 1; out <= 19; out++) {
            compare_linear(&g, in, out, (int)(rng_random(&g) % 41));
        }
    }
    compare_linear(&g, 40, 33, 70);
}
END_TEST

START_TEST(test_tanh_backward_twin)
{
    if (!twins_run_here("tanh backward")) {
        return;
    }
    Generator g;
    rng_manual_seed(&g, 31);
    enum { MAX_N = 300 };
    float act[MAX_N], got[MAX_N], want[MAX_N];
    for (int n = 0; n < MAX_N; n++) {
        fill_mixed(&g, act, (size_t)n, 1.0f);
        fill_mixed(&g, want, (size_t)n, 2.0f);
        memcpy(got, want, (size_t)n * sizeof *got);
        tanh_backward_avx2(got, act, (size_t)n);
        tanh_backward_scalar(want, act, (size_t)n);
        ASSERT_SAME_BITS(got, want, n, "tanh backward, n=%d", n);
    }
}
END_TEST

// ----------------------------------------------------------------------------
// sgd.c

START_TEST(test_sgd_twins)
{
    if (!twins_run_here("sgd")) {
        return;
    }
    Generator g;
    rng_manual_seed(&g, 37);
    enum { MAX_N = 300 };
    float param_twin[MAX_N], param_ref[MAX_N], direction[MAX_N];
    for (int n = 0; n < MAX_N; n++) {
        const float alpha = -within(&g, 2.0f), momentum = within(&g, 1.0f);
        fill_mixed(&g, param_ref, (size_t)n, 1.0f);
        fill_mixed(&g, direction, (size_t)n, 1.0f);
        memcpy(param_twin, param_ref, (size_t)n * sizeof *param_twin);
        sgd_add_scaled_avx2(param_twin, alpha, direction, n);
        sgd_add_scaled_scalar(param_ref, alpha, direction, n);
        ASSERT_SAME_BITS(param_twin, param_ref, n, "sgd update, n=%d", n);
        sgd_momentum_avx2(param_twin, momentum, direction, n); /* a buffer of any values */
        sgd_momentum_scalar(param_ref, momentum, direction, n);
        ASSERT_SAME_BITS(param_twin, param_ref, n, "sgd momentum, n=%d", n);
    }
}
END_TEST

/* The public kernels take the twin on a CPU that runs it: the same bits as
 * the twin called directly (so the suites' golden checks on this build are
 * checks of the twins). */
START_TEST(test_public_kernels_take_the_twin)
{
    if (!twins_run_here("dispatch")) {
        return;
    }
    Generator g;
    rng_manual_seed(&g, 41);
    enum { N = 203 };
    float x[N], got[N], want[N];
    fill_mixed(&g, x, N, 3.0f);
    torch_tanhf_array(got, x, N);
    torch_tanhf_array_avx2(want, x, N);
    ASSERT_SAME_BITS(got, want, N, "torch_tanhf_array");
    torch_sinf_array(got, x, N);
    torch_sinf_array_avx2(want, x, N);
    ASSERT_SAME_BITS(got, want, N, "torch_sinf_array");
    const float sum = torch_sum(x, N), twin_sum = torch_sum_avx2(x, N);
    ASSERT_SAME_BITS(&sum, &twin_sum, 1, "torch_sum");
}
END_TEST

static Suite *kernels_suite(void)
{
    Suite *s = suite_create("kernels");
    add_case(s, "tanh twin = reference", test_tanh_twin);
    add_case(s, "sin twin = reference", test_sin_twin);
    add_case(s, "torch_sum twin = reference", test_sum_twin);
    add_case(s, "column sums twin = reference", test_column_sums_twin);
    add_case(s, "mse twins = reference", test_mse_twins);
    add_case(s, "linear twins = reference", test_linear_twins);
    add_case(s, "tanh backward twin = reference", test_tanh_backward_twin);
    add_case(s, "sgd twins = reference", test_sgd_twins);
    add_case(s, "public kernels take the twin", test_public_kernels_take_the_twin);
    return s;
}

#else /* no twins in this build: nothing to compare */

START_TEST(test_no_twins)
{
    ck_assert_msg(!kit_avx2(), "without KIT_AVX2 the kernels must not claim a vector path");
}
END_TEST

static Suite *kernels_suite(void)
{
    Suite *s = suite_create("kernels");
    add_case(s, "no twins in this build", test_no_twins);
    return s;
}

#endif

int main(void)
{
    return run_suite(kernels_suite());
}
