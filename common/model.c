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
#include "avx2.h"
#include "fma_clones.h"
#include "kernels.h"
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

/* One output of one row: the products x*w summed left to right from 0,
 * then the bias. addmm copies the bias into the result, then netlib sgemm
 * (transposed A) forms the dot product from 0 and adds it: C = alpha*temp +
 * beta*C with alpha = beta = 1. */
static float linear_unit(const float *x_r, const float *w_o, float bias, int in)
{
    float dot = 0.0f;
    for (int i = 0; i < in; i++) {
        dot += x_r[i] * w_o[i];
    }
    return dot + bias;
}

void linear_forward_scalar(const Linear *layer, float *out, const float *x, int n)
{
    const int in = layer->in, outs = layer->out;
    for (int r = 0; r < n; r++) {
        for (int o = 0; o < outs; o++) {
            out[(size_t)r * outs + o] =
                linear_unit(x + (size_t)r * in, layer->weight + (size_t)o * in, layer->bias[o], in);
        }
    }
}

/* dweight[o][i] collects dout[r][o] * x[r][i] over the rows (netlib sgemm: a
 * left-to-right loop over r, from 0); the finished sum is added to .grad. */
static float weight_grad(const float *dout, const float *x, int n, int outs, int in, int o, int i)
{
    float sum = 0.0f;
    for (int r = 0; r < n; r++) {
        sum += dout[(size_t)r * outs + o] * x[(size_t)r * in + i];
    }
    return sum;
}

/* dx[r][i] = the sum over o of dout[r][o] * w[o][i], left to right from 0. */
static float input_grad(const float *dout_r, const float *weight, int outs, int in, int i)
{
    float sum = 0.0f;
    for (int o = 0; o < outs; o++) {
        sum += dout_r[o] * weight[(size_t)o * in + i];
    }
    return sum;
}

void linear_backward_scalar(Linear *layer, float *dx, const float *dout, const float *x, int n)
{
    const int in = layer->in, outs = layer->out;
    /* In the forward pass this was out[r][o] = sum_i x[r][i] * w[o][i] + b[o];
     * so dw[o][i] collects dout[r][o] * x[r][i] over all rows, db[o] collects
     * dout[r][o] (torch sums it with its cascade), and dx[r][i] = sum_o
     * dout[r][o] * w[o][i]. */
    for (int o = 0; o < outs; o++) {
        for (int i = 0; i < in; i++) {
            layer->dweight[(size_t)o * in + i] += weight_grad(dout, x, n, outs, in, o, i);
        }
    }
    torch_add_column_sums_scalar(layer->dbias, dout, n, outs);
    if (dx == NULL) {
        return;
    }
    for (int r = 0; r < n; r++) {
        for (int i = 0; i < in; i++) {
            dx[(size_t)r * in + i] = input_grad(dout + (size_t)r * outs, layer->weight, outs, in, i);
        }
    }
}

#if KIT_AVX2
/* The twins put 8 independent sums in the lanes, each summed in its scalar
 * order: 8 outputs of a row or 8 rows of an output (forward), 8 inputs or 8
 * outputs of the weight gradient, 8 inputs or 8 rows of dx. Which one
 * depends on the shape (the dimension that has 8 and reads contiguously);
 * what does not fill a vector takes the scalar formula. A shape where no
 * dimension has 8 (the weight gradient of Linear(1,1): one sum, one chain
 * of dependent additions) gains nothing from lanes and stays scalar. */
KIT_AVX2_TARGET void linear_forward_avx2(const Linear *layer, float *out, const float *x, int n)
{
    const int in = layer->in, outs = layer->out;
    const float *w = layer->weight;
    if (outs >= 8 && in == 1) {
        /* lanes: outputs o..o+7 of row r (the MLP's hidden layer): w[o + k][0]
         * is contiguous, and each sum is (0 + x*w) + b */
        int o = 0;
        for (; o + 8 <= outs; o += 8) {
            const __m256 w_o = _mm256_loadu_ps(w + o), b_o = _mm256_loadu_ps(layer->bias + o);
            for (int r = 0; r < n; r++) {
                const __m256 dot = _mm256_setzero_ps() + _mm256_set1_ps(x[r]) * w_o;
                _mm256_storeu_ps(out + (size_t)r * outs + o, dot + b_o);
            }
        }
        for (; o < outs; o++) {
            for (int r = 0; r < n; r++) {
                out[(size_t)r * outs + o] = linear_unit(x + r, w + o, layer->bias[o], 1);
            }
        }
        return;
    }
    if (outs >= 8) {
        /* lanes: outputs o..o+7 of row r; w[o + k][i] is w + o*in + i + k*in */
        for (int r = 0; r < n; r++) {
            const float *x_r = x + (size_t)r * in;
            float *out_r = out + (size_t)r * outs;
            int o = 0;
            for (; o + 8 <= outs; o += 8) {
                __m256 dot = _mm256_setzero_ps();
                for (int i = 0; i < in; i++) {
                    dot = dot + _mm256_set1_ps(x_r[i]) * load_strided8(w + (size_t)o * in + i, in);
                }
                _mm256_storeu_ps(out_r + o, dot + _mm256_loadu_ps(layer->bias + o));
            }
            for (; o < outs; o++) {
                out_r[o] = linear_unit(x_r, w + (size_t)o * in, layer->bias[o], in);
            }
        }
        return;
    }
    /* lanes: rows r..r+7 of output o; x[r + k][i] is x + r*in + i + k*in,
     * read 8 inputs of 8 rows at a time and transposed, so that column[k]
     * holds x[r..r+7][i+k]. One input (the lesson's Linear(1,1)): x is
     * contiguous, and each sum is (0 + x*w) + b. */
    int r = 0;
    if (in == 1) {
        for (int o = 0; o < outs; o++) {
            const __m256 w_o = _mm256_set1_ps(w[o]), b_o = _mm256_set1_ps(layer->bias[o]);
            for (r = 0; r + 8 <= n; r += 8) {
                const __m256 dot = _mm256_setzero_ps() + _mm256_loadu_ps(x + r) * w_o;
                store_strided8(out + (size_t)r * outs + o, outs, dot + b_o);
            }
        }
    }
    for (; r + 8 <= n; r += 8) {
        const float *x_r = x + (size_t)r * in;
        for (int o = 0; o < outs; o++) {
            const float *w_o = w + (size_t)o * in;
            __m256 dot = _mm256_setzero_ps();
            int i = 0;
            for (; i + 8 <= in; i += 8) {
                __m256 column[8];
                load_transposed8x8(column, x_r + i, in);
                for (int k = 0; k < 8; k++) {
                    dot = dot + column[k] * _mm256_set1_ps(w_o[i + k]);
                }
            }
            for (; i < in; i++) {
                dot = dot + load_strided8(x_r + i, in) * _mm256_set1_ps(w_o[i]);
            }
            store_strided8(out + (size_t)r * outs + o, outs, dot + _mm256_set1_ps(layer->bias[o]));
        }
    }
    for (; r < n; r++) {
        for (int o = 0; o < outs; o++) {
            out[(size_t)r * outs + o] =
                linear_unit(x + (size_t)r * in, w + (size_t)o * in, layer->bias[o], in);
        }
    }
}

/* The weight gradient's sums, lanes along a contiguous dimension: for
 * `vectors` (1..4) vectors of 8 lanes, lane j of vector v sums, over r from
 * 0, scale[r * scale_stride] * row[r * row_stride + 8v + j]; the result is
 * added to acc[(8v + j) * acc_stride]. Up to four chains of dependent
 * additions run side by side (each lane is still its own left-to-right sum).
 * Inlined with a constant count, so that the sums stay in registers. */
KIT_AVX2_TARGET static inline __attribute__((always_inline)) void
grad_panel_of(float *acc, long acc_stride, const float *scale, long scale_stride, const float *row,
              long row_stride, int n, const int vectors)
{
    __m256 sum[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int r = 0; r < n; r++) {
        const __m256 d = _mm256_set1_ps(scale[(size_t)r * scale_stride]);
        const float *row_r = row + (size_t)r * row_stride;
        for (int v = 0; v < vectors; v++) {
            sum[v] = sum[v] + d * _mm256_loadu_ps(row_r + 8 * v);
        }
    }
    for (int v = 0; v < vectors; v++) {
        float *a = acc + 8 * v * acc_stride;
        store_strided8(a, acc_stride, load_strided8(a, acc_stride) + sum[v]);
    }
}

KIT_AVX2_TARGET static void grad_panel(float *acc, long acc_stride, const float *scale, long scale_stride,
                                       const float *row, long row_stride, int n, int vectors)
{
    switch (vectors) {
    case 1:
        grad_panel_of(acc, acc_stride, scale, scale_stride, row, row_stride, n, 1);
        break;
    case 2:
        grad_panel_of(acc, acc_stride, scale, scale_stride, row, row_stride, n, 2);
        break;
    case 3:
        grad_panel_of(acc, acc_stride, scale, scale_stride, row, row_stride, n, 3);
        break;
    default:
        grad_panel_of(acc, acc_stride, scale, scale_stride, row, row_stride, n, 4);
        break;
    }
}

KIT_AVX2_TARGET void linear_backward_avx2(Linear *layer, float *dx, const float *dout, const float *x, int n)
{
    const int in = layer->in, outs = layer->out;
    float *dw = layer->dweight;
    if (in >= 8) {
        /* lanes: inputs i..i+7 of output o, each summed over r from 0: the
         * products dout[r][o] * x[r][i] (grad_panel's scale is dout) */
        for (int o = 0; o < outs; o++) {
            int i = 0;
            for (; i + 8 <= in; i += 32) {
                const int vectors = (in - i) / 8 < 4 ? (in - i) / 8 : 4;
                grad_panel(dw + (size_t)o * in + i, 1, dout + o, outs, x + i, in, n, vectors);
                i += 8 * vectors - 32;
            }
            for (; i < in; i++) {
                dw[(size_t)o * in + i] += weight_grad(dout, x, n, outs, in, o, i);
            }
        }
    } else if (outs >= 8) {
        /* lanes: outputs o..o+7 of input i, each summed over r from 0: the
         * products x[r][i] * dout[r][o], the same (grad_panel's scale is x) */
        for (int i = 0; i < in; i++) {
            int o = 0;
            for (; o + 8 <= outs; o += 32) {
                const int vectors = (outs - o) / 8 < 4 ? (outs - o) / 8 : 4;
                grad_panel(dw + (size_t)o * in + i, in, x + i, in, dout + o, outs, n, vectors);
                o += 8 * vectors - 32;
            }
            for (; o < outs; o++) {
                dw[(size_t)o * in + i] += weight_grad(dout, x, n, outs, in, o, i);
            }
        }
    } else {
        for (int o = 0; o < outs; o++) {
            for (int i = 0; i < in; i++) {
                dw[(size_t)o * in + i] += weight_grad(dout, x, n, outs, in, o, i);
            }
        }
    }
    torch_add_column_sums_avx2(layer->dbias, dout, n, outs);
    if (dx == NULL) {
        return;
    }
    const float *w = layer->weight;
    if (in >= 8) {
        /* lanes: inputs i..i+7 of row r, each summed over o from 0 */
        for (int r = 0; r < n; r++) {
            const float *dout_r = dout + (size_t)r * outs;
            int i = 0;
            for (; i + 8 <= in; i += 8) {
                __m256 sum = _mm256_setzero_ps();
                for (int o = 0; o < outs; o++) {
                    sum = sum + _mm256_set1_ps(dout_r[o]) * _mm256_loadu_ps(w + (size_t)o * in + i);
                }
                _mm256_storeu_ps(dx + (size_t)r * in + i, sum);
            }
            for (; i < in; i++) {
                dx[(size_t)r * in + i] = input_grad(dout_r, w, outs, in, i);
            }
        }
        return;
    }
    /* lanes: rows r..r+7 of input i, each summed over o from 0 */
    int r = 0;
    for (; r + 8 <= n; r += 8) {
        for (int i = 0; i < in; i++) {
            __m256 sum = _mm256_setzero_ps();
            for (int o = 0; o < outs; o++) {
                sum = sum + load_strided8(dout + (size_t)r * outs + o, outs) * _mm256_set1_ps(w[(size_t)o * in + i]);
            }
            store_strided8(dx + (size_t)r * in + i, in, sum);
        }
    }
    for (; r < n; r++) {
        for (int i = 0; i < in; i++) {
            dx[(size_t)r * in + i] = input_grad(dout + (size_t)r * outs, w, outs, in, i);
        }
    }
}
#endif

void linear_forward(const Linear *layer, float *out, const float *x, int n)
{
#if KIT_AVX2
    if (kit_avx2()) {
        linear_forward_avx2(layer, out, x, n);
        return;
    }
#endif
    linear_forward_scalar(layer, out, x, n);
}

void linear_backward(Linear *layer, float *dx, const float *dout, const float *x, int n)
{
#if KIT_AVX2
    if (kit_avx2()) {
        linear_backward_avx2(layer, dx, dout, x, n);
        return;
    }
#endif
    linear_backward_scalar(layer, dx, dout, x, n);
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
void tanh_backward_scalar(float *dact, const float *act, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        dact[i] = dact[i] * fmaf(-act[i], act[i], 1.0f);
    }
}

#if KIT_AVX2
/* Lanes: 8 consecutive elements. */
KIT_AVX2_TARGET void tanh_backward_avx2(float *dact, const float *act, size_t count)
{
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 a = _mm256_loadu_ps(act + i);
        const __m256 slope = _mm256_fmadd_ps(_mm256_xor_ps(a, sign), a, one);
        _mm256_storeu_ps(dact + i, _mm256_loadu_ps(dact + i) * slope);
    }
    tanh_backward_scalar(dact + i, act + i, count - i);
}
#endif

static void tanh_backward(float *dact, const float *act, size_t count)
{
#if KIT_AVX2
    if (kit_avx2()) {
        tanh_backward_avx2(dact, act, count);
        return;
    }
#endif
    tanh_backward_scalar(dact, act, count);
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
