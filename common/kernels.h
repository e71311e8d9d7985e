/* kernels.h: the scalar reference and the AVX2 twin of each exact kernel of
 * the core, side by side, for the test that compares them
 * (tests/common/check_kernels.c).
 *
 * Lesson code calls the public functions of sleef.h, loss.h, model.h and
 * sgd.h, which pick the twin on a CPU with AVX2 and FMA and the reference
 * otherwise (avx2.h). Both give the same bits, which is what the test and
 * the golden suites check. Each *_scalar function is the readable statement
 * of what torch computes; each *_avx2 one does the same operations on 8
 * independent values at a time (its comment in the .c file says which).
 * The *_avx2 functions exist only where KIT_AVX2 is 1, and may only be
 * called when kit_avx2() says so.
 */
#ifndef KIT_KERNELS_H
#define KIT_KERNELS_H

#include <stddef.h>

#include "avx2.h"
#include "model.h"

/* sleef.c: torch_tanhf_array and torch_sinf_array. */
void torch_tanhf_array_scalar(float *out, const float *x, size_t n);
void torch_sinf_array_scalar(float *out, const float *x, size_t n);

/* loss.c: torch_sum, torch_add_column_sums, the squared errors that
 * mse_forward sums, and mse_backward. */
float torch_sum_scalar(const float *v, int n);
void torch_add_column_sums_scalar(float *acc, const float *m, int rows, int cols);
void squared_errors_scalar(float *squares, const float *pred, const float *y, int n);
void mse_backward_scalar(float *dpred, const float *pred, const float *y, int n);

/* model.c: linear_forward, linear_backward, and tanh's backward as the MLP
 * runs it (dact[i] *= 1 - act[i]^2, fused as fmaf(-act, act, 1)). */
void linear_forward_scalar(const Linear *layer, float *out, const float *x, int n);
void linear_backward_scalar(Linear *layer, float *dx, const float *dout, const float *x, int n);
void tanh_backward_scalar(float *dact, const float *act, size_t count);

/* sgd.c: param += alpha * direction fused (fmaf), and the momentum buffer's
 * later steps, velocity = (momentum * velocity) + grad, each op rounded. */
void sgd_add_scaled_scalar(float *param, float alpha, const float *direction, int n);
void sgd_momentum_scalar(float *velocity, float momentum, const float *grad, int n);

#if KIT_AVX2
void torch_tanhf_array_avx2(float *out, const float *x, size_t n);
void torch_sinf_array_avx2(float *out, const float *x, size_t n);
float torch_sum_avx2(const float *v, int n);
void torch_add_column_sums_avx2(float *acc, const float *m, int rows, int cols);
void squared_errors_avx2(float *squares, const float *pred, const float *y, int n);
void mse_backward_avx2(float *dpred, const float *pred, const float *y, int n);
void linear_forward_avx2(const Linear *layer, float *out, const float *x, int n);
void linear_backward_avx2(Linear *layer, float *dx, const float *dout, const float *x, int n);
void tanh_backward_avx2(float *dact, const float *act, size_t count);
void sgd_add_scaled_avx2(float *param, float alpha, const float *direction, int n);
void sgd_momentum_avx2(float *velocity, float momentum, const float *grad, int n);
#endif

#endif
