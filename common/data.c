/* data.c: the lesson's datasets (see data.h), built as PyTorch 1.13 builds them.
 *
 * Compiled with -ffp-contract=off: each float operation below is rounded on
 * its own unless the code says fmaf(), which marks where torch's AVX2 build
 * fused a multiply-add (docs/pytorch-semantics.md, 2.4 and 2.6).
 */
#include "data.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Each float operation must round to float (SSE, NEON), not to x87's 80 bits. */
#if FLT_EVAL_METHOD != 0
#error "this file needs FLT_EVAL_METHOD == 0: float arithmetic must round to float"
#endif

/* linspace's scalar formula for index i: count up from start in the first
 * half, down from end in the second. The AVX2 build fused both products. */
static float linspace_scalar(int i, int steps, float start, float end, float step)
{
    if (i < steps / 2) {
        return fmaf(step, (float)i, start);
    }
    return fmaf(-step, (float)(steps - 1 - i), end);
}

/* Vectorized<float>::arange(base, step): 8 lanes base + k*step. */
static void linspace_vector(float *out, float base, float step)
{
    for (int k = 0; k < 8; k++) {
        out[k] = k == 0 ? base : base + (float)k * step;
    }
}

void linspace_f32(float *out, int steps, float start, float end)
{
    if (steps <= 0) {
        return;
    }
    if (steps == 1) {
        out[0] = start; /* torch fills with start; the step would be 0/0 */
        return;
    }
    const float step = (end - start) / (float)(steps - 1);
    int i = 0;
    /* The vectorised loop takes two 8-lane vectors at a time while 16
     * elements remain. Each vector starts at the scalar formula; its lanes
     * add k*step (product rounded, then the add: Vectorized<float>::arange). */
    for (; i + 16 <= steps; i += 16) {
        linspace_vector(out + i, linspace_scalar(i, steps, start, end, step), step);
        linspace_vector(out + i + 8, linspace_scalar(i + 8, steps, start, end, step), step);
    }
    /* The scalar tail: the last steps % 16 elements. */
    for (; i < steps; i++) {
        out[i] = linspace_scalar(i, steps, start, end, step);
    }
}

/* Allocate an (n, in) / (n, out) dataset, exiting with a clear message when
 * memory runs out (the lesson cannot do anything sensible without it). */
static Dataset dataset_alloc(int n, int in, int out)
{
    Dataset d = { n, in, out, NULL, NULL };
    size_t rows = n > 0 ? (size_t)n : 0;
    d.x = malloc((rows * (size_t)in + 1) * sizeof *d.x);
    d.y = malloc((rows * (size_t)out + 1) * sizeof *d.y);
    if (d.x == NULL || d.y == NULL) {
        fprintf(stderr, "error: out of memory for a dataset of %d samples\n", n);
        exit(2);
    }
    return d;
}

Dataset dataset_linear(Generator *g, int n, float *noise)
{
    Dataset d = dataset_alloc(n, 1, 1);
    linspace_f32(d.x, n, -1.0f, 1.0f);
    /* randn_like(X) is randn(n): same path choice (n < 16 or not). */
    rng_randn(g, d.y, (size_t)n);
    for (int i = 0; i < n; i++) {
        const float eps = d.y[i];
        if (noise != NULL) {
            noise[i] = eps;
        }
        /* y = (2*X + 1) + (0.2*eps): three float ops, each rounded; python's
         * 0.2 becomes 0.2f when it multiplies a float tensor. */
        const float line = 2.0f * d.x[i] + 1.0f;
        d.y[i] = line + 0.2f * eps;
    }
    return d;
}

/* ------------------------------------------------------------------------ */
/* torch.sin for float32 on the CPU: SLEEF's Sleef_sinf8_u10 (AVX2, FMA).     */
/* ------------------------------------------------------------------------ */

/* A "double-float": hi + lo with |lo| <= ulp(hi)/2, ~48 significant bits. */
typedef struct {
    float hi, lo;
} DoubleFloat;

static DoubleFloat df_make(float hi, float lo)
{
    DoubleFloat r = { hi, lo };
    return r;
}

/* x + y exactly, whatever their magnitudes (Knuth's two-sum). */
static DoubleFloat df_two_sum(float x, float y)
{
    float s = x + y;
    float v = s - x;
    return df_make(s, (x - (s - v)) + (y - v));
}

/* x + y assuming |x| >= |y| (fast two-sum). */
static DoubleFloat df_fast_sum(float x, float y)
{
    float s = x + y;
    return df_make(s, (x - s) + y);
}

static DoubleFloat df_add_float(DoubleFloat x, float y)
{
    float s = x.hi + y;
    return df_make(s, ((x.hi - s) + y) + x.lo);
}

static DoubleFloat float_add_df(float x, DoubleFloat y)
{
    float s = x + y.hi;
    return df_make(s, ((x - s) + y.hi) + y.lo);
}

static DoubleFloat df_square(DoubleFloat x)
{
    float s = x.hi * x.hi;
    return df_make(s, fmaf(x.hi + x.hi, x.lo, fmaf(x.hi, x.hi, -s)));
}

static DoubleFloat df_mul(DoubleFloat x, DoubleFloat y)
{
    float s = x.hi * y.hi;
    return df_make(s, fmaf(x.hi, y.lo, fmaf(x.lo, y.hi, fmaf(x.hi, y.hi, -s))));
}

static float df_mul_to_float(DoubleFloat x, DoubleFloat y)
{
    return fmaf(x.hi, y.hi, fmaf(x.lo, y.hi, x.hi * y.lo));
}

/* SLEEF 3.5's xsinf_u1 (1-ulp sine) as its AVX2 build computes it: reduce
 * by the nearest multiple of pi in double-float, then a double-float odd
 * polynomial. Valid for |x| < 125 (SLEEF switches to Payne-Hanek above;
 * this kit only needs |x| <= 3 and falls back to libm there). */
static float torch_sinf(float x)
{
    if (!(fabsf(x) < 125.0f)) {
        return sinf(x);
    }
    const float one_over_pi = (float)0.318309886183790671537767526745028724;
    const float pi_a = 3.1414794921875f;
    const float pi_b = 0.00011315941810607910156f;
    const float pi_c = 1.9841872589410058936e-09f;

    float k = rintf(x * one_over_pi);
    DoubleFloat r = df_two_sum(fmaf(k, -pi_a, x), k * -pi_b);
    r = df_add_float(r, k * -pi_c);

    DoubleFloat r2 = df_square(r);
    float p = 2.6083159809786593541503e-06f;
    p = fmaf(p, r2.hi, -0.0001981069071916863322258f);
    p = fmaf(p, r2.hi, 0.00833307858556509017944336f);
    DoubleFloat poly = float_add_df(1.0f, df_mul(df_fast_sum(-0.166666597127914428710938f, p * r2.hi), r2));
    float s = df_mul_to_float(r, poly);

    if (((int)k & 1) != 0) {
        s = -s; /* sin(r + k*pi) = (-1)^k sin(r) */
    }
    if (x == 0.0f) {
        s = x; /* keeps the sign of -0 */
    }
    return s;
}

Dataset dataset_sine(Generator *g, int n)
{
    Dataset d = dataset_alloc(n, 1, 1);
    linspace_f32(d.x, n, -1.0f, 1.0f);
    rng_randn(g, d.y, (size_t)n);
    for (int i = 0; i < n; i++) {
        const float eps = d.y[i];
        const float wave = torch_sinf(3.0f * d.x[i]);
        d.y[i] = wave + 0.1f * eps;
    }
    return d;
}

/* Copy row `from` of src into row `to` of dst (x and y). */
static void copy_row(const Dataset *src, int from, Dataset *dst, int to)
{
    for (int j = 0; j < src->in; j++) {
        dst->x[(size_t)to * (size_t)src->in + (size_t)j] = src->x[(size_t)from * (size_t)src->in + (size_t)j];
    }
    for (int j = 0; j < src->out; j++) {
        dst->y[(size_t)to * (size_t)src->out + (size_t)j] = src->y[(size_t)from * (size_t)src->out + (size_t)j];
    }
}

void dataset_split(const Dataset *all, int k, Dataset *train, Dataset *val)
{
    /* Sample i is validation when i % k == k - 1 (k <= 1: no validation). */
    int n_val = k > 1 ? all->n / k : 0;
    *train = dataset_alloc(all->n - n_val, all->in, all->out);
    *val = dataset_alloc(n_val, all->in, all->out);
    int t = 0, v = 0;
    for (int i = 0; i < all->n; i++) {
        if (k > 1 && i % k == k - 1) {
            copy_row(all, i, val, v++);
        } else {
            copy_row(all, i, train, t++);
        }
    }
}

void dataset_gather(const Dataset *src, const int *idx, int count, Dataset *dst)
{
    *dst = dataset_alloc(count, src->in, src->out);
    for (int r = 0; r < count; r++) {
        copy_row(src, idx[r], dst, r);
    }
}

void dataset_free(Dataset *d)
{
    free(d->x);
    free(d->y);
    d->x = NULL;
    d->y = NULL;
    d->n = 0;
}
