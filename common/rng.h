/* rng.h: PyTorch's CPU random numbers, reproduced exactly.
 *
 * torch.manual_seed(s) seeds a textbook MT19937 engine; every random tensor in
 * the lesson (the noise in y, nn.Linear's initial weights, mini-batch orders)
 * is drawn from it. Reproducing it bit for bit is what lets a reader run the
 * post's PyTorch code and see the very numbers this kit prints.
 *
 * The algorithms and their quirks are documented in docs/pytorch-semantics.md
 * (sections 2.1-2.3); each function below names the torch call it mirrors.
 */
#ifndef KIT_RNG_H
#define KIT_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT19937_N 624

/* The default CPU generator: the engine plus torch's cached normal sample. */
typedef struct {
    uint32_t state[MT19937_N];
    int next;                 /* index of the next word; MT19937_N = twist first */
    bool has_cached_normal;   /* the per-element normal sampler keeps a spare */
    double cached_normal;
} Generator;

/* torch.manual_seed(seed): init_genrand from the low 32 bits, clears the cache. */
void rng_manual_seed(Generator *g, uint64_t seed);

/* One 32-bit engine output (torch's random()). */
uint32_t rng_random(Generator *g);

/* Two outputs, the first one is the high half (torch's random64()). */
uint64_t rng_random64(Generator *g);

/* tensor.uniform_(from, to) on n contiguous float32 values:
 * low 24 bits of one output times 2^-24, then fmaf(u, to - from, from),
 * as torch's AVX2 kernel computes it. */
void rng_uniform(Generator *g, float *out, size_t n, double from, double to);

/* torch.randn(n) / tensor.normal_(mean, std) on n contiguous float32 values:
 * n >= 16 takes the 16-element block Box-Muller fill (AVX2 arithmetic,
 * including the re-drawn tail when 16 does not divide n); n < 16 takes the
 * double-precision per-element sampler with its cached spare. */
void rng_normal(Generator *g, float *out, size_t n, double mean, double std);
void rng_randn(Generator *g, float *out, size_t n);

/* torch.randperm(n) (CPU, int64, n small): a permutation of 0..n-1. */
void rng_randperm(Generator *g, int *out, int n);

#endif
