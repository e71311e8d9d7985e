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

#include "alloc.h"
#include "fma_clones.h"
#include "loss.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* count zeroed floats; out of memory ends the program (alloc.h). */
static float *alloc_floats(size_t count)
{
    return alloc_or_exit(count, sizeof(float), "model values");
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
    torch_tanhf_array(mlp->act, mlp->pre, count);
    linear_forward(&mlp->output, out, mlp->act, n);
}

/* In the forward pass this was act = tanh(pre); tanh' = 1 - tanh^2, and
 * torch's tanh_backward computes it from the saved output. Its AVX2 kernel
 * was compiled with FMA contraction: 1 - act*act is one fused operation
 * there, fmaf(-act, act, 1). Turns dact (d loss / d act) into d loss / d pre
 * in place; cloned for hardware FMA (fma_clones.h). */
KIT_FMA_CLONES
static void tanh_backward(float *dact, const float *act, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        dact[i] = dact[i] * fmaf(-act[i], act[i], 1.0f);
    }
}

void mlp_backward(Mlp *mlp, const float *dout, const float *x, int n)
{
    const size_t count = (size_t)n * (size_t)mlp->hidden.out;
    linear_backward(&mlp->output, mlp->dact, dout, mlp->act, n);
    tanh_backward(mlp->dact, mlp->act, count); /* dact becomes dpre in place */
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
