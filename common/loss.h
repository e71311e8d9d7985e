/* loss.h: mean squared error, nn.MSELoss() with reduction='mean', and the
 * float32 sums that PyTorch's CPU kernels compute on the way.
 *
 * Why the sums have their own functions: float addition is not associative,
 * so "the sum" of n floats depends on the order of the additions. torch's
 * sum kernel does not add left to right; it keeps independent partial sums
 * (8 vector lanes x 4 accumulators, folded in a cascade), which is both
 * faster and more accurate. To get PyTorch's numbers bit for bit the kit adds
 * in exactly that order (docs/pytorch-semantics.md, section 3).
 */
#ifndef KIT_LOSS_H
#define KIT_LOSS_H

/* torch.sum(v) of a contiguous float32 vector, in the order of the 8-lane
 * cascade sum of SumKernel.cpp (AVX2 build, one thread; with more threads
 * torch splits vectors longer than 32768 between them):
 *   n >= 8: lane l (0..7) sums elements l, l+8, l+16, ... of the first
 *           8*(n/8) with the 4-accumulator cascade below; then, starting
 *           from 0, the tail elements 8*(n/8)..n-1 are added in order, then
 *           lanes 0..7 in order.
 *   n < 8:  the 4-accumulator cascade directly: accumulator k takes elements
 *           k, k+4, ...; leftovers go to accumulator 0; then 0 += 1, += 2, += 3.
 *           So for n = 5..7 the result is not the left-to-right sum.
 * n = 0 gives 0. */
float torch_sum(const float *v, int n);

/* Element c of torch's m.sum(0) on a contiguous (rows, cols) float32 matrix:
 * the sum over r of m[r * cols + c], in torch's order, which depends on where
 * column c sits (blocks of 32 columns, or of 4 when cols < 8, take a plain
 * cascade; the other columns the 4-accumulator one). This is the bias
 * gradient of a Linear layer with cols outputs. cols == 1 is torch_sum. */
float torch_sum_column(const float *m, int rows, int cols, int c);

/* acc[c] += torch_sum_column(m, rows, cols, c) for every column c, the same
 * bits, in one call: a Linear layer's bias gradient, accumulated as .grad
 * is. On a CPU with AVX2, 8 columns at a time (avx2.h). */
void torch_add_column_sums(float *acc, const float *m, int rows, int cols);

/* mean((pred - y)^2) over n values: the squares are rounded to float, summed
 * with torch_sum, and the sum is divided by n in float (as torch's mean). */
float mse_forward(const float *pred, const float *y, int n);

/* dpred[i] = (float)(2.0 / n) * (pred[i] - y[i]), as MSELoss's backward
 * computes it (the 2/n is formed in double, then rounded once). */
void mse_backward(float *dpred, const float *pred, const float *y, int n);

#endif
