/* rng.c: PyTorch 1.13's CPU generator (AVX2 kernels), bit for bit.
 *
 * Sources mirrored: aten/src/ATen/core/MT19937RNGEngine.h (engine),
 * core/TransformationHelper.h and core/DistributionsHelper.h (uniform,
 * per-element normal), native/cpu/DistributionTemplates.h (normal_fill_AVX2)
 * and native/cpu/avx_mathfun.h (log256_ps, sincos256_ps).
 *
 * The AVX2 kernels were compiled by GCC with -mfma and its default
 * -ffp-contract=fast, so many "a*b + c" became one fused multiply-add. This
 * file is compiled with -ffp-contract=off and writes each of those fusions as
 * an explicit fmaf(); every other operation is a plain, rounded float op.
 * See docs/pytorch-semantics.md, 2.1-2.3.
 */
#include "rng.h"

#include "fma_clones.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Each float operation must round to float (SSE, NEON), not to x87's 80 bits. */
#if FLT_EVAL_METHOD != 0
#error "this file needs FLT_EVAL_METHOD == 0: float arithmetic must round to float"
#endif

/* ------------------------------------------------------------------------ */
/* MT19937 engine                                                           */
/* ------------------------------------------------------------------------ */

enum { MT19937_M = 397 };
static const uint32_t MT19937_MATRIX_A = 0x9908b0dfu;
static const uint32_t MT19937_UPPER_MASK = 0x80000000u;
static const uint32_t MT19937_LOWER_MASK = 0x7fffffffu;

void rng_manual_seed(Generator *g, uint64_t seed)
{
    /* init_genrand from the low 32 bits; torch only remembers the rest. */
    g->state[0] = (uint32_t)(seed & 0xffffffffu);
    for (uint32_t j = 1; j < MT19937_N; j++) {
        uint32_t prev = g->state[j - 1];
        g->state[j] = 1812433253u * (prev ^ (prev >> 30)) + j;
    }
    g->next = MT19937_N; /* twist before the first output */
    g->has_cached_normal = false;
    g->cached_normal = 0.0;
}

static uint32_t twist_pair(uint32_t a, uint32_t b, uint32_t far)
{
    uint32_t y = (a & MT19937_UPPER_MASK) | (b & MT19937_LOWER_MASK);
    return far ^ (y >> 1) ^ ((y & 1u) ? MT19937_MATRIX_A : 0u);
}

/* Regenerate all 624 words at once (the textbook "next_state"): word k from
 * words k, k+1 and k+397, indices modulo 624, in order of k, so that the
 * words past the wrap are the new ones. The three loops are the three ranges
 * of k where neither index wraps, where k+397 does, and the last word; with
 * no modulo in them the compiler can run each on several words at a time
 * (word k only reads words above it that are not yet rewritten, or new words
 * at least 227 below it). */
static void twist(Generator *g)
{
    uint32_t *s = g->state;
    enum { WRAP = MT19937_N - MT19937_M }; /* 227: the first k whose k+397 wraps */
    for (int k = 0; k < WRAP; k++) {
        s[k] = twist_pair(s[k], s[k + 1], s[k + MT19937_M]);
    }
    for (int k = WRAP; k < MT19937_N - 1; k++) {
        s[k] = twist_pair(s[k], s[k + 1], s[k - WRAP]);
    }
    s[MT19937_N - 1] = twist_pair(s[MT19937_N - 1], s[0], s[MT19937_M - 1]);
    g->next = 0;
}

/* The output of one state word (MT19937's tempering). */
static uint32_t temper(uint32_t y)
{
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

uint32_t rng_random(Generator *g)
{
    if (g->next >= MT19937_N) {
        twist(g);
    }
    return temper(g->state[g->next++]);
}

/* The next count outputs, as count calls of rng_random return them, in one
 * loop per stretch of the state (which the compiler can vectorise). */
static void random_words(Generator *g, uint32_t *out, int count)
{
    while (count > 0) {
        if (g->next >= MT19937_N) {
            twist(g);
        }
        const int take = count < MT19937_N - g->next ? count : MT19937_N - g->next;
        for (int k = 0; k < take; k++) {
            out[k] = temper(g->state[g->next + k]);
        }
        g->next += take;
        out += take;
        count -= take;
    }
}

uint64_t rng_random64(Generator *g)
{
    uint64_t hi = rng_random(g);
    uint64_t lo = rng_random(g);
    return (hi << 32) | lo;
}

/* ------------------------------------------------------------------------ */
/* Uniform                                                                  */
/* ------------------------------------------------------------------------ */

/* uniform_real_distribution<float>: the LOW 24 bits of one output, times
 * 2^-24 (exact), so a float in [0, 1) with 24 significant bits. */
static float uniform01_f32(Generator *g)
{
    return (float)(rng_random(g) & 0xffffffu) * 0x1p-24f;
}

/* uniform_real_distribution<double>: the low 53 bits of random64(). */
static double uniform01_f64(Generator *g)
{
    return (double)(rng_random64(g) & 0x1fffffffffffffull) * 0x1p-53;
}

void rng_uniform(Generator *g, float *out, size_t n, double from, double to)
{
    /* torch casts the bounds to float first, then computes to - from in
     * float; the AVX2 build fused u * range + from. */
    const float lo = (float)from;
    const float range = (float)to - lo;
    for (size_t i = 0; i < n; i++) {
        out[i] = fmaf(uniform01_f32(g), range, lo);
    }
}

/* ------------------------------------------------------------------------ */
/* Normal, n < 16: the per-element double sampler with a cached spare       */
/* ------------------------------------------------------------------------ */

/* at::normal_distribution<double>: returns the cached sample if there is
 * one; otherwise draws u1 (angle) then u2 (radius), caches r*sin and
 * returns r*cos. The roles are swapped compared with the block fill. */
static double normal01_f64(Generator *g)
{
    if (g->has_cached_normal) {
        g->has_cached_normal = false;
        return g->cached_normal;
    }
    const double pi = 3.14159265358979323846;
    double u1 = uniform01_f64(g);
    double u2 = uniform01_f64(g);
    double r = sqrt(-2.0 * log1p(-u2));
    double theta = 2.0 * pi * u1;
    g->cached_normal = r * sin(theta);
    g->has_cached_normal = true;
    return r * cos(theta);
}

/* ------------------------------------------------------------------------ */
/* Normal, n >= 16: avx_mathfun.h's Cephes log and sincos, one lane at a time */
/* ------------------------------------------------------------------------ */

static float float_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint32_t bits_from_float(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

/* log256_ps for one lane, x in (0, 1] (no NaN or denormal handling needed:
 * the argument is 1 - u with u a 24-bit uniform, so x >= 2^-24). The
 * constants are double literals rounded to float, as _PS256_CONST does. */
static float cephes_logf(float x)
{
    const float sqrthf = (float)0.707106781186547524;
    const float p[9] = {
        (float)7.0376836292E-2, (float)-1.1514610310E-1, (float)1.1676998740E-1,
        (float)-1.2420140846E-1, (float)1.4249322787E-1, (float)-1.6668057665E-1,
        (float)2.0000714765E-1, (float)-2.4999993993E-1, (float)3.3333331174E-1,
    };
    const float ln2_lo = (float)-2.12194440e-4; /* cephes_log_q1 */
    const float ln2_hi = (float)0.693359375;    /* cephes_log_q2 */

    /* Split x = m * 2^e with m in [0.5, 1). */
    uint32_t bits = bits_from_float(x);
    float e = (float)((int32_t)(bits >> 23) - 0x7f) + 1.0f;
    x = float_from_bits((bits & ~0x7f800000u) | bits_from_float(0.5f));

    /* m < sqrt(1/2): use 2m - 1 and e - 1, else m - 1. */
    bool small = x < sqrthf;
    float tmp = small ? x : 0.0f;
    x = x - 1.0f;
    e = e - (small ? 1.0f : 0.0f);
    x = x + tmp;

    float z = x * x;
    float y = p[0];
    for (int k = 1; k < 9; k++) {
        y = fmaf(y, x, p[k]);          /* Horner steps: fused */
    }
    y = y * x;
    y = fmaf(y, z, e * ln2_lo);        /* (y*x)*z + e*ln2_lo: the odd fusion */
    y = y - z * 0.5f;                  /* z*0.5 is exact: fused or not alike */
    x = x + y;
    return fmaf(e, ln2_hi, x);         /* + e*ln2_hi: fused */
}

/* sincos256_ps for one lane, theta in [0, 2*pi). */
static void cephes_sincosf(float theta, float *sin_out, float *cos_out)
{
    const float four_over_pi = (float)1.27323954473516;
    const float minus_dp1 = (float)-0.78515625;
    const float minus_dp2 = (float)-2.4187564849853515625e-4;
    const float minus_dp3 = (float)-3.77489497744594108e-8;
    const float sincof_p0 = (float)-1.9515295891E-4;
    const float sincof_p1 = (float)8.3321608736E-3;
    const float sincof_p2 = (float)-1.6666654611E-1;
    const float coscof_p0 = (float)2.443315711809948E-005;
    const float coscof_p1 = (float)-1.388731625493765E-003;
    const float coscof_p2 = (float)4.166664568298827E-002;

    uint32_t sign_sin = bits_from_float(theta) & 0x80000000u;
    float x = fabsf(theta);

    /* Octant j = (trunc(x * 4/pi) + 1) & ~1. */
    int32_t j = (int32_t)(x * four_over_pi);
    j = (j + 1) & ~1;
    float y = (float)j;
    uint32_t swap_sign_sin = (uint32_t)(j & 4) << 29;
    bool use_sin_poly = (j & 2) == 0;
    uint32_t sign_cos = (uint32_t)(~(j - 2) & 4) << 29;
    sign_sin ^= swap_sign_sin;

    /* Extended-precision reduction x - y*pi/4 in three fused parts. */
    x = fmaf(y, minus_dp1, x);
    x = fmaf(y, minus_dp2, x);
    x = fmaf(y, minus_dp3, x);

    float z = x * x;

    /* Cosine polynomial on [-pi/4, pi/4]. */
    float yc = fmaf(coscof_p0, z, coscof_p1);
    yc = fmaf(yc, z, coscof_p2);
    yc = yc * z;
    yc = fmaf(yc, z, -(z * 0.5f));     /* y*z - 0.5*z: the y*z is fused */
    yc = yc + 1.0f;

    /* Sine polynomial on [-pi/4, pi/4]. */
    float ys = fmaf(sincof_p0, z, sincof_p1);
    ys = fmaf(ys, z, sincof_p2);
    ys = ys * z;
    ys = fmaf(ys, x, x);

    /* The kernel's masked select, with its additions of +0 kept. */
    float ysin2 = use_sin_poly ? ys : 0.0f;
    float ysin1 = use_sin_poly ? 0.0f : yc;
    ys = ys - ysin2;
    yc = yc - ysin1;
    float s = ysin1 + ysin2;
    float c = yc + ys;

    *sin_out = float_from_bits(bits_from_float(s) ^ sign_sin);
    *cos_out = float_from_bits(bits_from_float(c) ^ sign_cos);
}

/* normal_fill_16_AVX2: Box-Muller in place on 16 uniforms. The first half
 * gives the radius, the second half the angle; cos goes to the first half.
 * Cloned for hardware FMA (fma_clones.h): the two Cephes functions above
 * are inlined into it: 21 fmaf() for each pair of values. */
KIT_FMA_CLONES
static void normal_fill_16(float *data, float mean, float std)
{
    const float two_pi = (float)(2.0 * 3.14159265358979323846);
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - data[j];
        float u2 = data[j + 8];
        float radius = sqrtf(-2.0f * cephes_logf(u1));
        float theta = two_pi * u2;
        float s, c;
        cephes_sincosf(theta, &s, &c);
        data[j] = fmaf(radius * c, std, mean);
        data[j + 8] = fmaf(radius * s, std, mean);
    }
}

/* normal_fill_AVX2: all uniforms first, then every full block of 16; when
 * 16 does not divide n, 16 fresh uniforms overwrite the LAST 16 slots and
 * that block is transformed again. */
static void normal_fill(Generator *g, float *data, size_t n, float mean, float std)
{
    for (size_t i = 0; i < n; i++) {
        data[i] = uniform01_f32(g);
    }
    for (size_t i = 0; i + 16 <= n; i += 16) {
        normal_fill_16(data + i, mean, std);
    }
    if (n % 16 != 0) {
        float *tail = data + n - 16;
        for (size_t i = 0; i < 16; i++) {
            tail[i] = uniform01_f32(g);
        }
        normal_fill_16(tail, mean, std);
    }
}

void rng_normal(Generator *g, float *out, size_t n, double mean, double std)
{
    if (n >= 16) {
        normal_fill(g, out, n, (float)mean, (float)std);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        /* val * std + mean in double, fused in the AVX2 build. */
        out[i] = (float)fma(normal01_f64(g), std, mean);
    }
}

void rng_randn(Generator *g, float *out, size_t n)
{
    rng_normal(g, out, n, 0.0, 1.0);
}

/* ------------------------------------------------------------------------ */
/* randperm                                                                 */
/* ------------------------------------------------------------------------ */

void rng_randperm(Generator *g, int *out, int n)
{
    /* randperm_cpu: identity, then for each i swap with i + random() % (n-i);
     * the last position draws nothing (n - 1 draws in all). */
    for (int i = 0; i < n; i++) {
        out[i] = i;
    }
    /* The draws do not depend on the swaps: they are made in blocks first.
     * torch takes the remainder in int64; both operands are below 2^32 and
     * not negative, so the 32-bit unsigned one is the same number (and a
     * faster division). */
    enum { BLOCK = 256 };
    uint32_t words[BLOCK];
    for (int start = 0; start < n - 1; start += BLOCK) {
        const int count = n - 1 - start < BLOCK ? n - 1 - start : BLOCK;
        random_words(g, words, count);
        for (int k = 0; k < count; k++) {
            const int i = start + k;
            const int z = (int)(words[k] % (uint32_t)(n - i));
            const int saved = out[i];
            out[i] = out[i + z];
            out[i + z] = saved;
        }
    }
}
