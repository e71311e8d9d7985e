/* model.h: the two models of the series, with explicit forward and backward.
 *
 * Linear is nn.Linear(in, out): same parameters, same initial draws (weight
 * first, then bias), same arithmetic, so the lesson's 1-in/1-out regression
 * matches PyTorch bit for bit. Mlp is Linear -> tanh -> Linear, with torch's
 * own tanh (torch_tanhf, sleef.h), so it matches PyTorch bit for bit as well.
 *
 * Shapes: n = batch size; x is (n, in) and out is (n, out), row-major.
 * Gradients accumulate (+=) like PyTorch's .grad; call *_zero_grad before
 * each backward pass. The forward pass of the Mlp keeps its activations for
 * the backward pass, so backward must follow the forward of the same batch.
 *
 * Running out of memory in any of these ends the program with one line on
 * stderr and exit status 2 (alloc.h): nothing sensible can follow in a
 * lesson program.
 */
#ifndef KIT_MODEL_H
#define KIT_MODEL_H

#include "rng.h"
#include "sleef.h"

typedef struct {
    int in, out;
    float *weight;   /* (out, in) */
    float *bias;     /* (out)     */
    float *dweight;  /* (out, in) */
    float *dbias;    /* (out)     */
} Linear;

/* nn.Linear(in, out): weight from kaiming_uniform_(a=sqrt(5)), i.e.
 * U(-bound, bound) with bound = sqrt(3) * sqrt(2 / (1 + a^2)) / sqrt(in),
 * then bias from U(-1/sqrt(in), 1/sqrt(in)); both bounds computed in double
 * in torch's order, drawn with rng_uniform (weight row-major, then bias). */
void linear_init(Linear *layer, Generator *g, int in, int out);
/* A layer whose parameters and gradients are all zero, drawing nothing: for
 * parameters that come from elsewhere (a file, a test). */
void linear_alloc(Linear *layer, int in, int out);
/* out (n, out) = x (n, in) @ weight^T + bias, in torch's order (netlib sgemm
 * through addmm): for each output, the products x*w summed left to right
 * starting from 0, then the bias added last. */
void linear_forward(const Linear *layer, float *out, const float *x, int n);
/* Given dout (n, out): dweight += dout^T x (each entry a left-to-right sum over
 * the n rows), dbias += the column sums of dout (torch_sum_column: torch's
 * cascade order), and dx (n, in) = dout @ weight unless dx is NULL. */
void linear_backward(Linear *layer, float *dx, const float *dout, const float *x, int n);
void linear_zero_grad(Linear *layer);
void linear_free(Linear *layer);

typedef struct {
    Linear hidden;       /* in -> width  */
    Linear output;       /* width -> out */
    int capacity;        /* rows the activation buffers below can hold */
    float *pre;          /* (n, width) hidden pre-activation */
    float *act;          /* (n, width) tanh(pre)             */
    float *dact;         /* (n, width) gradient scratch      */
} Mlp;

/* nn.Sequential(nn.Linear(in, width), nn.Tanh(), nn.Linear(width, out)):
 * hidden layer drawn first, then the output layer. */
void mlp_init(Mlp *mlp, Generator *g, int in, int width, int out);
/* out (n, out); the buffers grow to n rows on demand. */
void mlp_forward(Mlp *mlp, float *out, const float *x, int n);
/* Backward of the last mlp_forward (same x, same n): accumulates the four
 * parameter gradients. tanh'(pre) is computed from the saved output as
 * 1 - act^2, as torch's tanh_backward does. */
void mlp_backward(Mlp *mlp, const float *dout, const float *x, int n);
void mlp_zero_grad(Mlp *mlp);
void mlp_free(Mlp *mlp);

#endif
