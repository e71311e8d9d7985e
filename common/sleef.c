/* sleef.c: torch.sin and torch.tanh for float32, as SLEEF 3.5's AVX2 build
 * computes them (see sleef.h).
 *
 * Each helper below is one of SLEEF's double-float primitives; its SLEEF
 * name is in its comment. SLEEF has two kinds of addition: dfadd2 (here
 * plain df_add...) is exact for any magnitudes, dfadd (here ..._ordered)
 * assumes |x| >= |y| and saves operations. The algorithms pick one or the
 * other at each step, and so must we: they round differently.
 *
 * Compiled with -ffp-contract=off: every float operation is rounded on its
 * own, and fmaf() marks each multiply-add that the AVX2 build fuses.
 * torch_sinf and torch_tanhf_array_scalar carry KIT_FMA_CLONES
 * (fma_clones.h): on a CPU with FMA those fmaf() are single instructions,
 * which makes tanh about three times faster, and the results are the same
 * bits either way. On a CPU with AVX2 as well, the array functions run the
 * AVX2 twins below (avx2.h): the same algorithm on 8 values at a time, about
 * nine times faster again, and still the same bits.
 */
#include "sleef.h"

#include "avx2.h"
#include "fma_clones.h"
#include "kernels.h"

#include <float.h>
#include <math.h>

/* Each float operation must round to float (SSE, NEON), not to x87's 80 bits. */
#if FLT_EVAL_METHOD != 0
#error "this file needs FLT_EVAL_METHOD == 0: float arithmetic must round to float"
#endif

// ----------------------------------------------------------------------------
// Double-float arithmetic

/* The unevaluated sum hi + lo, with |lo| <= ulp(hi) / 2: ~48 significant bits. */
typedef struct {
    float hi, lo;
} DoubleFloat;

static DoubleFloat df_make(float hi, float lo)
{
    return (DoubleFloat){ hi, lo };
}

/* x + y exactly, for any magnitudes (Knuth's two-sum; dfadd2_vf2_vf_vf). */
static DoubleFloat float_sum(float x, float y)
{
    const float s = x + y;
    const float v = s - x;
    return df_make(s, (x - (s - v)) + (y - v));
}

/* x + y exactly when |x| >= |y| (fast two-sum; dfadd_vf2_vf_vf). */
static DoubleFloat float_sum_ordered(float x, float y)
{
    const float s = x + y;
    return df_make(s, (x - s) + y);
}

/* x + y for any magnitudes (dfadd2_vf2_vf2_vf). */
static DoubleFloat df_add_float(DoubleFloat x, float y)
{
    const float s = x.hi + y;
    const float v = s - x.hi;
    return df_make(s, ((x.hi - (s - v)) + (y - v)) + x.lo);
}

/* x + y when |x| >= |y| (dfadd_vf2_vf2_vf). */
static DoubleFloat df_add_float_ordered(DoubleFloat x, float y)
{
    const float s = x.hi + y;
    return df_make(s, ((x.hi - s) + y) + x.lo);
}

/* x + y when |x| >= |y|, x a float (dfadd_vf2_vf_vf2). */
static DoubleFloat float_add_df_ordered(float x, DoubleFloat y)
{
    const float s = x + y.hi;
    return df_make(s, ((x - s) + y.hi) + y.lo);
}

/* x + y for any magnitudes (dfadd2_vf2_vf2_vf2). */
static DoubleFloat df_add(DoubleFloat x, DoubleFloat y)
{
    const float s = x.hi + y.hi;
    const float v = s - x.hi;
    return df_make(s, ((x.hi - (s - v)) + (y.hi - v)) + (x.lo + y.lo));
}

/* x + y when |x| >= |y| (dfadd_vf2_vf2_vf2). */
static DoubleFloat df_add_ordered(DoubleFloat x, DoubleFloat y)
{
    const float s = x.hi + y.hi;
    return df_make(s, (((x.hi - s) + y.hi) + x.lo) + y.lo);
}

/* x * y (dfmul_vf2_vf2_vf): fmaf recovers the rounding error of the product. */
static DoubleFloat df_mul_float(DoubleFloat x, float y)
{
    const float p = x.hi * y;
    return df_make(p, fmaf(x.lo, y, fmaf(x.hi, y, -p)));
}

/* x * y (dfmul_vf2_vf2_vf2). */
static DoubleFloat df_mul(DoubleFloat x, DoubleFloat y)
{
    const float p = x.hi * y.hi;
    return df_make(p, fmaf(x.hi, y.lo, fmaf(x.lo, y.hi, fmaf(x.hi, y.hi, -p))));
}

/* x * y rounded to one float (dfmul_vf_vf2_vf2). */
static float df_mul_to_float(DoubleFloat x, DoubleFloat y)
{
    return fmaf(x.hi, y.hi, fmaf(x.lo, y.hi, x.hi * y.lo));
}

/* x * x (dfsqu_vf2_vf2). */
static DoubleFloat df_square(DoubleFloat x)
{
    const float p = x.hi * x.hi;
    return df_make(p, fmaf(x.hi + x.hi, x.lo, fmaf(x.hi, x.hi, -p)));
}

/* 1 / d (dfrec_vf2_vf2). */
static DoubleFloat df_reciprocal(DoubleFloat d)
{
    const float q = 1.0f / d.hi;
    return df_make(q, q * fmaf(-d.lo, q, fmaf(-d.hi, q, 1.0f)));
}

/* n / d (dfdiv_vf2_vf2_vf2, its FMA variant). */
static DoubleFloat df_div(DoubleFloat n, DoubleFloat d)
{
    const float t = 1.0f / d.hi;
    const float q = n.hi * t;
    const float u = fmaf(t, n.hi, -q);
    const float correction = fmaf(-d.lo, t, fmaf(-d.hi, t, 1.0f));
    return df_make(q, fmaf(q, correction, fmaf(n.lo, t, u)));
}

// ----------------------------------------------------------------------------
// The same double-float arithmetic, 8 lanes at a time (the AVX2 twins below)
//
// Each function is the scalar one above with the same name plus "8", line for
// line: the 8 lanes are 8 independent values, and every lane does exactly the
// scalar operations in the scalar order (avx2.h). + - * / on __m256 are the
// IEEE lane-wise operations; fma8 is fmaf in every lane.
#if KIT_AVX2

typedef struct {
    __m256 hi, lo;
} DoubleFloat8;

KIT_AVX2_TARGET static inline DoubleFloat8 df8_make(__m256 hi, __m256 lo)
{
    return (DoubleFloat8){ hi, lo };
}

KIT_AVX2_TARGET static inline __m256 fma8(__m256 a, __m256 b, __m256 c)
{
    return _mm256_fmadd_ps(a, b, c);
}

/* fmaf(a, b, -c) and fmaf(-a, b, c) in every lane, as one instruction each
 * (vfmsub, vfnmadd): negating an operand is exact, so these are the same
 * fused operations as the scalar code's, without the extra sign flip. */
KIT_AVX2_TARGET static inline __m256 fms8(__m256 a, __m256 b, __m256 c)
{
    return _mm256_fmsub_ps(a, b, c);
}

KIT_AVX2_TARGET static inline __m256 fnma8(__m256 a, __m256 b, __m256 c)
{
    return _mm256_fnmadd_ps(a, b, c);
}

KIT_AVX2_TARGET static inline __m256 splat8(float x)
{
    return _mm256_set1_ps(x);
}

/* -x in every lane (flips the sign bit, as the scalar unary minus). */
KIT_AVX2_TARGET static inline __m256 neg8(__m256 x)
{
    return _mm256_xor_ps(x, _mm256_set1_ps(-0.0f));
}

KIT_AVX2_TARGET static inline DoubleFloat8 float_sum8(__m256 x, __m256 y)
{
    const __m256 s = x + y;
    const __m256 v = s - x;
    return df8_make(s, (x - (s - v)) + (y - v));
}

KIT_AVX2_TARGET static inline DoubleFloat8 float_sum_ordered8(__m256 x, __m256 y)
{
    const __m256 s = x + y;
    return df8_make(s, (x - s) + y);
}

KIT_AVX2_TARGET static inline DoubleFloat8 df_add_float8(DoubleFloat8 x, __m256 y)
{
    const __m256 s = x.hi + y;
    const __m256 v = s - x.hi;
    return df8_make(s, ((x.hi - (s - v)) + (y - v)) + x.lo);
}

KIT_AVX2_TARGET static inline DoubleFloat8 df_add_float_ordered8(DoubleFloat8 x, __m256 y)
{
    const __m256 s = x.hi + y;
    return df8_make(s, ((x.hi - s) + y) + x.lo);
}

KIT_AVX2_TARGET static inline DoubleFloat8 float_add_df_ordered8(__m256 x, DoubleFloat8 y)
{
    const __m256 s = x + y.hi;
    return df8_make(s, ((x - s) + y.hi) + y.lo);
}

KIT_AVX2_TARGET static inline DoubleFloat8 df_add8(DoubleFloat8 x, DoubleFloat8 y)
{
    const __m256 s = x.hi + y.hi;
    const __m256 v = s - x.hi;
    return df8_make(s, ((x.hi - (s - v)) + (y.hi - v)) + (x.lo + y.lo));
}

KIT_AVX2_TARGET static inline DoubleFloat8 df_add_ordered8(DoubleFloat8 x, DoubleFloat8 y)
{
    const __m256 s = x.hi + y.hi;
    return df8_make(s, (((x.hi - s) + y.hi) + x.lo) + y.lo);
}

KIT_AVX2_TARGET static inline DoubleFloat8 df_mul_float8(DoubleFloat8 x, __m256 y)
{
    const __m256 p = x.hi * y;
    return df8_make(p, fma8(x.lo, y, fms8(x.hi, y, p)));
}

KIT_AVX2_TARGET static inline DoubleFloat8 df_mul8(DoubleFloat8 x, DoubleFloat8 y)
{
    const __m256 p = x.hi * y.hi;
    return df8_make(p, fma8(x.hi, y.lo, fma8(x.lo, y.hi, fms8(x.hi, y.hi, p))));
}

KIT_AVX2_TARGET static inline __m256 df_mul_to_float8(DoubleFloat8 x, DoubleFloat8 y)
{
    return fma8(x.hi, y.hi, fma8(x.lo, y.hi, x.hi * y.lo));
}

KIT_AVX2_TARGET static inline DoubleFloat8 df_square8(DoubleFloat8 x)
{
    const __m256 p = x.hi * x.hi;
    return df8_make(p, fma8(x.hi + x.hi, x.lo, fms8(x.hi, x.hi, p)));
}

KIT_AVX2_TARGET static inline DoubleFloat8 df_reciprocal8(DoubleFloat8 d)
{
    const __m256 q = splat8(1.0f) / d.hi;
    return df8_make(q, q * fnma8(d.lo, q, fnma8(d.hi, q, splat8(1.0f))));
}

KIT_AVX2_TARGET static inline DoubleFloat8 df_div8(DoubleFloat8 n, DoubleFloat8 d)
{
    const __m256 t = splat8(1.0f) / d.hi;
    const __m256 q = n.hi * t;
    const __m256 u = fms8(t, n.hi, q);
    const __m256 correction = fnma8(d.lo, t, fnma8(d.hi, t, splat8(1.0f)));
    return df8_make(q, fma8(q, correction, fma8(n.lo, t, u)));
}

/* rintf in every lane (round to nearest, ties to even, as rintf does in the
 * default rounding mode). */
KIT_AVX2_TARGET static inline __m256 rint8(__m256 x)
{
    return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* fabsf in every lane. */
KIT_AVX2_TARGET static inline __m256 abs8(__m256 x)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
}

/* copysignf(magnitude, sign) in every lane. */
KIT_AVX2_TARGET static inline __m256 copysign8(__m256 magnitude, __m256 sign)
{
    const __m256 sign_bit = _mm256_set1_ps(-0.0f);
    return _mm256_or_ps(_mm256_andnot_ps(sign_bit, magnitude), _mm256_and_ps(sign_bit, sign));
}
#endif /* KIT_AVX2 */

// ----------------------------------------------------------------------------
// sin

KIT_FMA_CLONES
float torch_sinf(float x)
{
    if (!(fabsf(x) < 125.0f)) {
        return sinf(x); /* SLEEF's Payne-Hanek range: not needed here */
    }
    /* pi as the sum of three floats (Cody-Waite): x - k*pi keeps its low bits. */
    const float one_over_pi = (float)0.318309886183790671537767526745028724;
    const float pi_a = 3.1414794921875f;
    const float pi_b = 0.00011315941810607910156f;
    const float pi_c = 1.9841872589410058936e-09f;

    /* x = k*pi + r with |r| <= pi/2, r in double-float. */
    const float k = rintf(x * one_over_pi);
    DoubleFloat r = float_sum(fmaf(k, -pi_a, x), k * -pi_b);
    r = df_add_float_ordered(r, k * -pi_c);

    /* sin(r) = r * (1 + r^2 * (-1/6 + r^2 * p(r^2))), the outer terms in double-float. */
    const DoubleFloat r2 = df_square(r);
    float p = 2.6083159809786593541503e-06f;
    p = fmaf(p, r2.hi, -0.0001981069071916863322258f);
    p = fmaf(p, r2.hi, 0.00833307858556509017944336f);
    const DoubleFloat poly =
        float_add_df_ordered(1.0f, df_mul(float_sum_ordered(-0.166666597127914428710938f, p * r2.hi), r2));
    float s = df_mul_to_float(r, poly);

    if (((int)k & 1) != 0) {
        s = -s; /* sin(r + k*pi) = (-1)^k sin(r) */
    }
    if (x == 0.0f) {
        s = x; /* keeps the sign of -0 */
    }
    return s;
}

void torch_sinf_array_scalar(float *out, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = torch_sinf(x[i]);
    }
}

#if KIT_AVX2
/* torch_sinf in 8 lanes (8 independent arguments), for |x| < 125 in every
 * lane: the lines of torch_sinf above, the branches turned into selects. */
KIT_AVX2_TARGET static __m256 sin8(__m256 x)
{
    const float one_over_pi = (float)0.318309886183790671537767526745028724;
    const float pi_a = 3.1414794921875f;
    const float pi_b = 0.00011315941810607910156f;
    const float pi_c = 1.9841872589410058936e-09f;

    const __m256 k = rint8(x * splat8(one_over_pi));
    DoubleFloat8 r = float_sum8(fma8(k, splat8(-pi_a), x), k * splat8(-pi_b));
    r = df_add_float_ordered8(r, k * splat8(-pi_c));

    const DoubleFloat8 r2 = df_square8(r);
    __m256 p = splat8(2.6083159809786593541503e-06f);
    p = fma8(p, r2.hi, splat8(-0.0001981069071916863322258f));
    p = fma8(p, r2.hi, splat8(0.00833307858556509017944336f));
    const DoubleFloat8 poly = float_add_df_ordered8(
        splat8(1.0f), df_mul8(float_sum_ordered8(splat8(-0.166666597127914428710938f), p * r2.hi), r2));
    __m256 s = df_mul_to_float8(r, poly);

    /* (int)k & 1: k is a whole number, so truncating converts it exactly;
     * its low bit, moved to the sign bit, negates the odd lanes. */
    const __m256i odd = _mm256_slli_epi32(_mm256_cvttps_epi32(k), 31);
    s = _mm256_xor_ps(s, _mm256_castsi256_ps(odd));
    const __m256 zero = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ);
    return _mm256_blendv_ps(s, x, zero); /* x == 0: x itself, keeping -0 */
}

/* Lanes: 8 consecutive elements. A block with any |x| >= 125 (or NaN) goes
 * to the scalar reference, which hands those to libm; the tail is padded. */
KIT_AVX2_TARGET void torch_sinf_array_avx2(float *out, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 in_range = _mm256_cmp_ps(abs8(v), splat8(125.0f), _CMP_LT_OQ);
        if (_mm256_movemask_ps(in_range) != 0xff) {
            torch_sinf_array_scalar(out + i, x + i, 8);
            continue;
        }
        _mm256_storeu_ps(out + i, sin8(v));
    }
    if (i < n) {
        float padded[8] = { 0 };
        for (size_t k = 0; i + k < n; k++) {
            padded[k] = x[i + k];
        }
        torch_sinf_array_avx2(padded, padded, 8);
        for (size_t k = 0; i + k < n; k++) {
            out[i + k] = padded[k];
        }
    }
}
#endif

void torch_sinf_array(float *out, const float *x, size_t n)
{
#if KIT_AVX2
    if (kit_avx2()) {
        torch_sinf_array_avx2(out, x, n);
        return;
    }
#endif
    torch_sinf_array_scalar(out, x, n);
}

// ----------------------------------------------------------------------------
// tanh

/* e^d for a double-float 0 <= d <= 8.67 (SLEEF expk2f, for the range tanh
 * needs): d = q ln2 + s with |s| <= ln2/2, e^s by a polynomial in
 * double-float, times 2^q. SLEEF scales by 2^q in two exact steps; with
 * 0 <= q <= 13 one exact multiplication gives the same result. SLEEF also
 * turns q into an int and back to float before using it; for a whole number
 * this small that round trip is exact, so q stays the float rintf returned
 * (two conversions fewer on the chain that every tanh waits for). */
static DoubleFloat df_exp(DoubleFloat d)
{
    const float inv_ln2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187045e-06f;
    const float q = rintf((d.hi + d.lo) * inv_ln2);
    DoubleFloat s = df_add_float(d, q * -ln2_hi);
    s = df_add_float(s, q * -ln2_lo);

    float u = 0.1980960224e-3f;
    u = fmaf(u, s.hi, 0.1394256484e-2f);
    u = fmaf(u, s.hi, 0.8333456703e-2f);
    u = fmaf(u, s.hi, 0.4166637361e-1f);
    DoubleFloat t = df_add_float(df_mul_float(s, u), 0.166666659414234244790680580464e+0f);
    t = df_add_float(df_mul(s, t), 0.5f);
    t = df_add(s, df_mul(df_square(s), t));
    t = float_add_df_ordered(1.0f, t);

    const float two_to_q = (float)(1L << (int)q);
    return df_make(t.hi * two_to_q, t.lo * two_to_q);
}

/* torch_tanhf for one value: SLEEF's xtanhf on the scalar double-float
 * arithmetic above (the reference of tanh8 below). */
static float tanhf_one(float v)
{
    if (isnan(v)) {
        return v;
    }
    if (fabsf(v) > 8.664339742f) {
        return copysignf(1.0f, v); /* tanh rounds to 1 in float from here on */
    }
    const DoubleFloat ex = df_exp(df_make(fabsf(v), 0.0f));
    const DoubleFloat inv = df_reciprocal(ex);
    const DoubleFloat ratio =
        df_div(df_add_ordered(ex, df_make(-inv.hi, -inv.lo)), df_add_ordered(ex, inv));
    return copysignf(ratio.hi + ratio.lo, v);
}

KIT_FMA_CLONES
void torch_tanhf_array_scalar(float *out, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = tanhf_one(x[i]);
    }
}


#if KIT_AVX2
/* df_exp in 8 lanes; 2^q is built from its exponent bits (q + 127) << 23,
 * the same power of two as (float)(1L << q) for 0 <= q <= 13. Lanes outside
 * that range (|x| > 8.66, NaN) compute garbage that tanh8 discards. */
KIT_AVX2_TARGET static inline DoubleFloat8 df_exp8(DoubleFloat8 d)
{
    const float inv_ln2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187045e-06f;
    const __m256 q = rint8((d.hi + d.lo) * splat8(inv_ln2));
    DoubleFloat8 s = df_add_float8(d, q * splat8(-ln2_hi));
    s = df_add_float8(s, q * splat8(-ln2_lo));

    __m256 u = splat8(0.1980960224e-3f);
    u = fma8(u, s.hi, splat8(0.1394256484e-2f));
    u = fma8(u, s.hi, splat8(0.8333456703e-2f));
    u = fma8(u, s.hi, splat8(0.4166637361e-1f));
    DoubleFloat8 t = df_add_float8(df_mul_float8(s, u), splat8(0.166666659414234244790680580464e+0f));
    t = df_add_float8(df_mul8(s, t), splat8(0.5f));
    t = df_add8(s, df_mul8(df_square8(s), t));
    t = float_add_df_ordered8(splat8(1.0f), t);

    const __m256i exponent = _mm256_add_epi32(_mm256_cvttps_epi32(q), _mm256_set1_epi32(127));
    const __m256 two_to_q = _mm256_castsi256_ps(_mm256_slli_epi32(exponent, 23));
    return df8_make(t.hi * two_to_q, t.lo * two_to_q);
}

/* tanhf_one in 8 lanes (8 independent values); its two early returns
 * become selects after the common path. */
KIT_AVX2_TARGET static inline __attribute__((always_inline)) __m256 tanh8(__m256 v)
{
    const __m256 a = abs8(v);
    const DoubleFloat8 ex = df_exp8(df8_make(a, _mm256_setzero_ps()));
    const DoubleFloat8 inv = df_reciprocal8(ex);
    const DoubleFloat8 ratio =
        df_div8(df_add_ordered8(ex, df8_make(neg8(inv.hi), neg8(inv.lo))), df_add_ordered8(ex, inv));
    __m256 y = ratio.hi + ratio.lo;
    const __m256 saturated = _mm256_cmp_ps(a, splat8(8.664339742f), _CMP_GT_OQ);
    y = copysign8(_mm256_blendv_ps(y, splat8(1.0f), saturated), v);
    const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    return _mm256_blendv_ps(y, v, nan);
}

/* Lanes: 8 consecutive elements; the last n % 8 are padded to a vector, so
 * every element on this path goes through tanh8. */
KIT_AVX2_TARGET void torch_tanhf_array_avx2(float *out, const float *x, size_t n)
{
    size_t i = 0;
    /* two vectors an iteration: their long chains of dependent operations
     * interleave */
    for (; i + 16 <= n; i += 16) {
        const __m256 a = tanh8(_mm256_loadu_ps(x + i)), b = tanh8(_mm256_loadu_ps(x + i + 8));
        _mm256_storeu_ps(out + i, a);
        _mm256_storeu_ps(out + i + 8, b);
    }
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(out + i, tanh8(_mm256_loadu_ps(x + i)));
    }
    if (i < n) {
        float padded[8] = { 0 };
        for (size_t k = 0; i + k < n; k++) {
            padded[k] = x[i + k];
        }
        _mm256_storeu_ps(padded, tanh8(_mm256_loadu_ps(padded)));
        for (size_t k = 0; i + k < n; k++) {
            out[i + k] = padded[k];
        }
    }
}
#endif

void torch_tanhf_array(float *out, const float *x, size_t n)
{
#if KIT_AVX2
    if (kit_avx2()) {
        torch_tanhf_array_avx2(out, x, n);
        return;
    }
#endif
    torch_tanhf_array_scalar(out, x, n);
}

/* An array of one, on the scalar reference. */
float torch_tanhf(float x)
{
    float y;
    torch_tanhf_array_scalar(&y, &x, 1);
    return y;
}
