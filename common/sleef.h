/* sleef.h: torch.sin and torch.tanh on float32, as PyTorch's CPU kernels
 * compute them, bit for bit.
 *
 * Why not libm: PyTorch 1.13's CPU build runs sin and tanh on float32 tensors
 * through SLEEF 3.5 (Sleef_sinf8_u10 and Sleef_tanhf8_u10: the "u10"
 * variants, accurate to 1.0 ulp), compiled for AVX2 with FMA. Both are
 * within an ulp of the true value, and so is glibc, but they do not round
 * alike: glibc's sinf differs from torch.sin in about one value in twenty,
 * tanhf from torch.tanh in about one in six (docs/pytorch-semantics.md, 6).
 * One ulp in the data or in an activation is enough to make a training
 * curve differ from PyTorch's in its last bits.
 *
 * So these two functions do what SLEEF's AVX2 build does, on one float:
 * the same algorithm, the same constants, the same order of operations, in
 * SLEEF's "double-float" arithmetic (a value carried as an unevaluated sum
 * hi + lo of two floats, about 48 significant bits), and an explicit fmaf()
 * at each place where the AVX2 build fuses a multiply-add (the kit compiles
 * with -ffp-contract=off, so no other operation is fused). They reproduce
 * torch bit for bit: torch_tanhf on 270 011 of 270 011 values (normal, tiny,
 * huge, +-0, +-inf, NaN; tests/golden/train/tanh.csv), torch_sinf on the
 * lesson's data (tests/golden/core/data_sine.csv).
 */
#ifndef KIT_SLEEF_H
#define KIT_SLEEF_H

#include <stddef.h>

/* torch.sin(x) for float32 (SLEEF's xsinf_u1): the argument reduced by the
 * nearest multiple of pi, then an odd polynomial, both in double-float.
 * Exact for |x| < 125; beyond that SLEEF switches to Payne-Hanek reduction,
 * which this kit does not need (the lesson computes sin(3x) for |x| <= 1),
 * and libm's sinf is used instead. */
float torch_sinf(float x);

/* torch.sin on a contiguous float32 tensor: out[i] = torch_sinf(x[i]) for
 * i < n, the same bits, 8 at a time on a CPU with AVX2 (avx2.h). out may be x. */
void torch_sinf_array(float *out, const float *x, size_t n);

/* torch.tanh(x) for float32 (SLEEF's xtanhf): (e^|x| - e^-|x|) / (e^|x| +
 * e^-|x|) in double-float, with the sign of x; 1 (signed) for |x| > 8.664339742,
 * where tanh rounds to 1 in float; NaN stays NaN. Exact for every float. */
float torch_tanhf(float x);

/* torch.tanh on a contiguous float32 tensor: out[i] = torch_tanhf(x[i]) for
 * i < n, the same bits, with one call for the whole array (the MLP's hidden
 * layer), 8 at a time on a CPU with AVX2 (avx2.h). out may be x. */
void torch_tanhf_array(float *out, const float *x, size_t n);

#endif
