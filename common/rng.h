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

/* tensor.uniform_(from, to) on n contiguous float32 values, one output each,
 * in order: u = (low 24 bits) * 2^-24, then with lo = (float)from and
 * range = (float)to - lo (a float subtraction), fmaf(u, range, lo): the AVX2
 * build fused that step (it matters when range is not a power of two).
 * nn.Linear's init calls this with the bounds torch computes in double. */
void rng_uniform(Generator *g, float *out, size_t n, double from, double to);

/* torch.randn(n) / tensor.normal_(mean, std) on n contiguous float32 values.
 * n >= 16: the 16-element block Box-Muller fill with the AVX2 build's Cephes
 * log/sincos (no libm involved); when 16 does not divide n, 16 fresh uniforms
 * are drawn into the last 16 slots and that block is recomputed, so it
 * consumes n + 16 outputs. mean and std are cast to float.
 * n < 16: the double-precision per-element sampler (53-bit uniforms, log1p,
 * sin/cos from libm), 4 outputs per pair; an odd n leaves the spare sample
 * in the generator for the next small call (only rng_manual_seed clears it).
 * Needs FLT_EVAL_METHOD 0 and no compiler FMA contraction (-ffp-contract=off). */
void rng_normal(Generator *g, float *out, size_t n, double mean, double std);
void rng_randn(Generator *g, float *out, size_t n);

/* torch.randperm(n) (CPU, n small): a permutation of 0..n-1. Starts from the
 * identity; for i = 0..n-2 swaps out[i] with out[i + random() % (n - i)],
 * so it consumes n - 1 outputs. */
void rng_randperm(Generator *g, int *out, int n);

#endif
