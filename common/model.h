/* model.h: the two models of the series, with explicit forward and backward.
 *
 * Linear is nn.Linear(in, out): same parameters, same initial draws (weight
 * first, then bias), same arithmetic, so the lesson's 1-in/1-out regression
 * matches PyTorch bit for bit. Mlp is Linear -> tanh -> Linear.
 *
 * Shapes: n = batch size. Gradients accumulate (+=) like PyTorch's .grad;
 * call *_zero_grad before each backward pass.
 */
#ifndef KIT_MODEL_H
#define KIT_MODEL_H

#include "rng.h"

typedef struct {
    int in, out;
    float *weight;   /* (out, in) */
    float *bias;     /* (out)     */
    float *dweight;  /* (out, in) */
    float *dbias;    /* (out)     */
} Linear;

/* nn.Linear(in, out): kaiming_uniform_(a=sqrt(5)) weight, then U(-1/sqrt(in), 1/sqrt(in)) bias. */
void linear_init(Linear *layer, Generator *g, int in, int out);
/* out (n, out) = x (n, in) @ weight^T + bias, in torch's order (bias + product). */
void linear_forward(const Linear *layer, float *out, const float *x, int n);
/* Given dout (n, out): dweight += dout^T x, dbias += sum over rows of dout,
 * and dx (n, in) = dout @ weight unless dx is NULL. */
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

/* nn.Sequential(nn.Linear(in, width), nn.Tanh(), nn.Linear(width, out)). */
void mlp_init(Mlp *mlp, Generator *g, int in, int width, int out);
void mlp_forward(Mlp *mlp, float *out, const float *x, int n);
void mlp_backward(Mlp *mlp, const float *dout, const float *x, int n);
void mlp_zero_grad(Mlp *mlp);
void mlp_free(Mlp *mlp);

#endif
