/* data.c: the lesson's datasets (see data.h), built as PyTorch 1.13 builds them.
 *
 * Compiled with -ffp-contract=off: each float operation below is rounded on
 * its own unless the code says fmaf(), which marks where torch's AVX2 build
 * fused a multiply-add (docs/pytorch-semantics.md, 2.4 and 2.6).
 */
#include "data.h"

#include "alloc.h"
#include "sleef.h"

#include <float.h>
#include <math.h>
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

/* Allocate an (n, in) / (n, out) dataset; out of memory ends the program (alloc.h). */
static Dataset dataset_alloc(int n, int in, int out)
{
    Dataset d = { n, in, out, NULL, NULL };
    const size_t rows = n > 0 ? (size_t)n : 0;
    d.x = alloc_or_exit(rows * (size_t)in, sizeof *d.x, "dataset values");
    d.y = alloc_or_exit(rows * (size_t)out, sizeof *d.y, "dataset values");
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

Dataset dataset_sine(Generator *g, int n)
{
    Dataset d = dataset_alloc(n, 1, 1);
    linspace_f32(d.x, n, -1.0f, 1.0f);
    rng_randn(g, d.y, (size_t)n);
    /* torch.sin(3 * X) as one tensor: the products, then sin 8 at a time. */
    float *wave = alloc_or_exit(n > 0 ? (size_t)n : 0, sizeof *wave, "dataset values");
    for (int i = 0; i < n; i++) {
        wave[i] = 3.0f * d.x[i];
    }
    torch_sinf_array(wave, wave, n > 0 ? (size_t)n : 0);
    for (int i = 0; i < n; i++) {
        const float eps = d.y[i];
        d.y[i] = wave[i] + 0.1f * eps;
    }
    free(wave);
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

bool dataset_is_val(int i, int k)
{
    return k > 1 && i % k == k - 1; /* k <= 1: no validation */
}

void dataset_split(const Dataset *all, int k, Dataset *train, Dataset *val)
{
    int n_val = k > 1 ? all->n / k : 0;
    *train = dataset_alloc(all->n - n_val, all->in, all->out);
    *val = dataset_alloc(n_val, all->in, all->out);
    int t = 0, v = 0;
    for (int i = 0; i < all->n; i++) {
        if (dataset_is_val(i, k)) {
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
