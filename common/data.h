/* data.h: the lesson's datasets, built exactly as the post's PyTorch code builds them.
 *
 * A dataset is n samples of `in` inputs and `out` targets, row-major, float32:
 * x is (n, in) and y is (n, out). The lesson's data is one input, one target.
 */
#ifndef KIT_DATA_H
#define KIT_DATA_H

#include <stdbool.h>

#include "rng.h"

typedef struct {
    int n, in, out;
    float *x; /* (n, in)  */
    float *y; /* (n, out) */
} Dataset;

/* torch.linspace(start, end, steps) in float32, as PyTorch 1.13's vectorised
 * AVX2 kernel computes it (semantics note 2.4): pairs of 8-lane vectors, each
 * starting at the "halfway" formula and adding k*step, then a scalar tail of
 * steps % 16 elements. steps == 1 gives start; steps <= 0 writes nothing.
 * (PyTorch >= 2.0 uses the scalar formula everywhere; last bits differ.) */
void linspace_f32(float *out, int steps, float start, float end);

/* The post's data, drawn from g (seed it first with rng_manual_seed):
 *   X = torch.linspace(-1, 1, n).unsqueeze(1)
 *   y = 2 * X + 1 + 0.2 * torch.randn_like(X)
 * The noise is returned through `noise` when it is not NULL (n floats). */
Dataset dataset_linear(Generator *g, int n, float *noise);

/* A non-linear dataset for the small MLP:
 *   X = torch.linspace(-1, 1, n).unsqueeze(1)
 *   y = torch.sin(3 * X) + 0.1 * torch.randn_like(X)
 * torch.sin here is SLEEF's 1-ulp sinf (AVX2, FMA): torch_sinf, sleef.h.
 * Both datasets allocate x and y (free with dataset_free), as do the split
 * and the gather below; running out of memory ends the program (alloc.h). */
Dataset dataset_sine(Generator *g, int n);

/* A deterministic train/validation split: every k-th sample (indices
 * k-1, 2k-1, ...) goes to validation, the rest to training, order kept.
 * PyTorch: val = torch.arange(n) % k == k - 1; X[~val], X[val].
 * k <= 1 means no validation: train is a copy of all, val has n = 0.
 * Both outputs are allocated here (dataset_free each).                    */
void dataset_split(const Dataset *all, int k, Dataset *train, Dataset *val);
/* Whether dataset_split(all, k, ...) puts sample i in validation. */
bool dataset_is_val(int i, int k);

/* Rows idx[0..count-1] of src, copied into dst (allocated here). */
void dataset_gather(const Dataset *src, const int *idx, int count, Dataset *dst);

void dataset_free(Dataset *d);

#endif
