/* model.c: nn.Linear and a one-hidden-layer MLP, forward and backward over
 * plain float arrays (see model.h).
 *
 * Notation: n = rows in the batch, in/out = features, x is (n, in), out is
 * (n, out), weight is (out, in); all row-major. The orders of the sums are
 * those of PyTorch 1.13 on the CPU with netlib BLAS (docs/pytorch-semantics.md,
 * section 3), which is what makes the Linear model bit-exact.
 */
#include "model.h"

#include <float.h>
#if FLT_EVAL_METHOD != 0
#error "this file needs FLT_EVAL_METHOD == 0: float arithmetic must round to float"
#endif

#include "loss.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *alloc_floats(size_t count)
{
    float *p = calloc(count > 0 ? count : 1, sizeof *p);
    if (p == NULL) {
        fprintf(stderr, "error: out of memory for %zu model values\n", count);
        exit(EXIT_FAILURE);
    }
    return p;
}

// ----------------------------------------------------------------------------
// Linear

void linear_alloc(Linear *layer, int in, int out)
{
    const size_t weights = (size_t)in * (size_t)out;
    layer->in = in;
    layer->out = out;
    layer->weight = alloc_floats(weights);
    layer->bias = alloc_floats((size_t)out);
    layer->dweight = alloc_floats(weights);
    layer->dbias = alloc_floats((size_t)out);
}

void linear_init(Linear *layer, Generator *g, int in, int out)
{
    linear_alloc(layer, in, out);
    /* torch.nn.init.kaiming_uniform_(weight, a=math.sqrt(5)), in double and
     * in torch's order: gain = sqrt(2 / (1 + a**2)), std = gain / sqrt(fan_in),
     * bound = sqrt(3) * std. In double this is not 1/sqrt(in) (for in = 1 it
     * is 0.9999999999999999); rounded to float for the draw the two agree for
     * every in below 200, but the recipe is torch's, so the numbers are too. */
    const double a = sqrt(5.0);
    const double gain = sqrt(2.0 / (1.0 + pow(a, 2.0)));
    const double std = gain / sqrt((double)in);
    const double bound = sqrt(3.0) * std;
    rng_uniform(g, layer->weight, (size_t)in * (size_t)out, -bound, bound);
    const double bias_bound = in > 0 ? 1.0 / sqrt((double)in) : 0.0;
    rng_uniform(g, layer->bias, (size_t)out, -bias_bound, bias_bound);
}

void linear_forward(const Linear *layer, float *out, const float *x, int n)
{
    const int in = layer->in, outs = layer->out;
    for (int r = 0; r < n; r++) {
        const float *x_r = x + (size_t)r * in;      // row r of x
        float *out_r = out + (size_t)r * outs;      // row r of out
        for (int o = 0; o < outs; o++) {
            const float *w_o = layer->weight + (size_t)o * in;
            /* addmm copies the bias into the result, then netlib sgemm
             * (transposed A) forms the dot product from 0 and adds it:
             * C = alpha*temp + beta*C with alpha = beta = 1. */
            float dot = 0.0f;
            for (int i = 0; i < in; i++) {
                dot += x_r[i] * w_o[i];
            }
            out_r[o] = dot + layer->bias[o];
        }
    }
}

void linear_backward(Linear *layer, float *dx, const float *dout, const float *x, int n)
{
    const int in = layer->in, outs = layer->out;
    /* In the forward pass this was out[r][o] = sum_i x[r][i] * w[o][i] + b[o];
     * so dw[o][i] collects dout[r][o] * x[r][i] over all rows (netlib sgemm:
     * a left-to-right loop over r, from 0), db[o] collects dout[r][o] (torch
     * sums it with its cascade), and dx[r][i] = sum_o dout[r][o] * w[o][i]. */
    for (int o = 0; o < outs; o++) {
        for (int i = 0; i < in; i++) {
            float sum = 0.0f;
            for (int r = 0; r < n; r++) {
                sum += dout[(size_t)r * outs + o] * x[(size_t)r * in + i];
            }
            layer->dweight[(size_t)o * in + i] += sum;
        }
        layer->dbias[o] += torch_sum_column(dout, n, outs, o);
    }
    if (dx == NULL) {
        return;
    }
    for (int r = 0; r < n; r++) {
        const float *dout_r = dout + (size_t)r * outs;
        float *dx_r = dx + (size_t)r * in;
        for (int i = 0; i < in; i++) {
            float sum = 0.0f;
            for (int o = 0; o < outs; o++) {
                sum += dout_r[o] * layer->weight[(size_t)o * in + i];
            }
            dx_r[i] = sum;
        }
    }
}

void linear_zero_grad(Linear *layer)
{
    memset(layer->dweight, 0, (size_t)layer->in * (size_t)layer->out * sizeof *layer->dweight);
    memset(layer->dbias, 0, (size_t)layer->out * sizeof *layer->dbias);
}

void linear_free(Linear *layer)
{
    free(layer->weight);
    free(layer->bias);
    free(layer->dweight);
    free(layer->dbias);
    *layer = (Linear){ 0 };
}

// ----------------------------------------------------------------------------
// tanh as torch computes it
//
// torch.tanh on float32 CPU tensors runs SLEEF's Sleef_tanhf8_u10 (SLEEF 3.5,
// AVX2 build, 1-ulp accuracy) on every element; libm's tanhf differs from it
// in ~16% of values by an ulp. Below is the same algorithm on one float: the
// arithmetic is done in "double-float" pairs (hi + lo, ~48 bits) and every
// fused multiply-add of SLEEF's AVX2 build is an explicit fmaf().
// Matches torch.tanh on 270 011 of 270 011 test values (normal, tiny, huge,
// +-0, inf, nan).

/* A double-float: the unevaluated sum hi + lo, with |lo| <= ulp(hi) / 2. */
typedef struct {
    float hi, lo;
} DoubleFloat;

static DoubleFloat df_make(float hi, float lo)
{
    return (DoubleFloat){ hi, lo };
}

/* x + y for any magnitudes (SLEEF dfadd2_vf2_vf2_vf). */
static DoubleFloat df_add_float(DoubleFloat x, float y)
{
    const float s = x.hi + y;
    const float v = s - x.hi;
    return df_make(s, ((x.hi - (s - v)) + (y - v)) + x.lo);
}

/* x + y for any magnitudes (dfadd2_vf2_vf2_vf2). */
static DoubleFloat df_add(DoubleFloat x, DoubleFloat y)
{
    const float s = x.hi + y.hi;
    const float v = s - x.hi;
    return df_make(s, ((x.hi - (s - v)) + (y.hi - v)) + (x.lo + y.lo));
}

/* x + y when |x| >= |y| (dfadd_vf2_vf2_vf2). */
static DoubleFloat df_add_ordered(DoubleFloat x, DoubleFloat y)
{
    const float s = x.hi + y.hi;
    return df_make(s, (((x.hi - s) + y.hi) + x.lo) + y.lo);
}

/* x + y when |x| >= |y|, x a float (dfadd_vf2_vf_vf2). */
static DoubleFloat float_add_df_ordered(float x, DoubleFloat y)
{
    const float s = x + y.hi;
    return df_make(s, ((x - s) + y.hi) + y.lo);
}

/* x * y (dfmul_vf2_vf2_vf): fmaf recovers the rounding error of the product. */
static DoubleFloat df_mul_float(DoubleFloat x, float y)
{
    const float p = x.hi * y;
    return df_make(p, fmaf(x.lo, y, fmaf(x.hi, y, -p)));
}

/* x * y (dfmul_vf2_vf2_vf2). */
static DoubleFloat df_mul(DoubleFloat x, DoubleFloat y)
{
    const float p = x.hi * y.hi;
    return df_make(p, fmaf(x.hi, y.lo, fmaf(x.lo, y.hi, fmaf(x.hi, y.hi, -p))));
}

/* x * x (dfsqu_vf2_vf2). */
static DoubleFloat df_square(DoubleFloat x)
{
    const float p = x.hi * x.hi;
    return df_make(p, fmaf(x.hi + x.hi, x.lo, fmaf(x.hi, x.hi, -p)));
}

/* 1 / d (dfrec_vf2_vf2). */
static DoubleFloat df_reciprocal(DoubleFloat d)
{
    const float q = 1.0f / d.hi;
    return df_make(q, q * fmaf(-d.lo, q, fmaf(-d.hi, q, 1.0f)));
}

/* n / d (dfdiv_vf2_vf2_vf2, its FMA variant). */
static DoubleFloat df_div(DoubleFloat n, DoubleFloat d)
{
    const float t = 1.0f / d.hi;
    const float q = n.hi * t;
    const float u = fmaf(t, n.hi, -q);
    const float correction = fmaf(-d.lo, t, fmaf(-d.hi, t, 1.0f));
    return df_make(q, fmaf(q, correction, fmaf(n.lo, t, u)));
}

/* e^d for a double-float 0 <= d <= 8.67 (SLEEF expk2f, for the range tanh
 * needs): d = q ln2 + s with |s| <= ln2/2, e^s by a polynomial in
 * double-float, times 2^q. SLEEF scales by 2^q in two exact steps; with
 * 0 <= q <= 13 one exact multiplication gives the same result. */
static DoubleFloat df_exp(DoubleFloat d)
{
    const float inv_ln2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187045e-06f;
    const int q = (int)rintf((d.hi + d.lo) * inv_ln2);
    DoubleFloat s = df_add_float(d, (float)q * -ln2_hi);
    s = df_add_float(s, (float)q * -ln2_lo);

    float u = 0.1980960224e-3f;
    u = fmaf(u, s.hi, 0.1394256484e-2f);
    u = fmaf(u, s.hi, 0.8333456703e-2f);
    u = fmaf(u, s.hi, 0.4166637361e-1f);
    DoubleFloat t = df_add_float(df_mul_float(s, u), 0.166666659414234244790680580464e+0f);
    t = df_add_float(df_mul(s, t), 0.5f);
    t = df_add(s, df_mul(df_square(s), t));
    t = float_add_df_ordered(1.0f, t);

    const float two_to_q = (float)(1L << q);
    return df_make(t.hi * two_to_q, t.lo * two_to_q);
}

/* tanh(x) = (e^|x| - e^-|x|) / (e^|x| + e^-|x|), sign of x (SLEEF xtanhf). */
float torch_tanhf(float x)
{
    if (isnan(x)) {
        return x;
    }
    if (fabsf(x) > 8.664339742f) {
        return copysignf(1.0f, x); /* tanh rounds to 1 in float from here on */
    }
    const DoubleFloat ex = df_exp(df_make(fabsf(x), 0.0f));
    const DoubleFloat inv = df_reciprocal(ex);
    const DoubleFloat ratio = df_div(df_add_ordered(ex, df_make(-inv.hi, -inv.lo)), df_add_ordered(ex, inv));
    return copysignf(ratio.hi + ratio.lo, x);
}

// ----------------------------------------------------------------------------
// Mlp: Linear -> tanh -> Linear

void mlp_init(Mlp *mlp, Generator *g, int in, int width, int out)
{
    linear_init(&mlp->hidden, g, in, width);
    linear_init(&mlp->output, g, width, out);
    mlp->capacity = 0;
    mlp->pre = mlp->act = mlp->dact = NULL;
}

/* Grow the activation buffers to hold n rows (they are only ever enlarged). */
static void mlp_reserve(Mlp *mlp, int n)
{
    if (n <= mlp->capacity) {
        return;
    }
    const size_t count = (size_t)n * (size_t)mlp->hidden.out;
    free(mlp->pre);
    free(mlp->act);
    free(mlp->dact);
    mlp->pre = alloc_floats(count);
    mlp->act = alloc_floats(count);
    mlp->dact = alloc_floats(count);
    mlp->capacity = n;
}

void mlp_forward(Mlp *mlp, float *out, const float *x, int n)
{
    mlp_reserve(mlp, n);
    const size_t count = (size_t)n * (size_t)mlp->hidden.out;
    linear_forward(&mlp->hidden, mlp->pre, x, n);
    for (size_t i = 0; i < count; i++) {
        mlp->act[i] = torch_tanhf(mlp->pre[i]);
    }
    linear_forward(&mlp->output, out, mlp->act, n);
}

void mlp_backward(Mlp *mlp, const float *dout, const float *x, int n)
{
    const size_t count = (size_t)n * (size_t)mlp->hidden.out;
    linear_backward(&mlp->output, mlp->dact, dout, mlp->act, n);
    /* In the forward pass this was act = tanh(pre); tanh' = 1 - tanh^2, and
     * torch's tanh_backward computes it from the saved output. Its AVX2
     * kernel was compiled with FMA contraction: 1 - act*act is one fused
     * operation there, fmaf(-act, act, 1). dact becomes dpre in place. */
    for (size_t i = 0; i < count; i++) {
        mlp->dact[i] = mlp->dact[i] * fmaf(-mlp->act[i], mlp->act[i], 1.0f);
    }
    linear_backward(&mlp->hidden, NULL, mlp->dact, x, n);
}

void mlp_zero_grad(Mlp *mlp)
{
    linear_zero_grad(&mlp->hidden);
    linear_zero_grad(&mlp->output);
}

void mlp_free(Mlp *mlp)
{
    linear_free(&mlp->hidden);
    linear_free(&mlp->output);
    free(mlp->pre);
    free(mlp->act);
    free(mlp->dact);
    *mlp = (Mlp){ 0 };
}
