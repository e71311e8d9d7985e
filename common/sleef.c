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
 * torch_sinf and torch_tanhf_array carry KIT_FMA_CLONES (fma_clones.h): on a
 * CPU with FMA those fmaf() are single instructions, which makes tanh about
 * three times faster, and the results are the same bits either way.
 */
#include "sleef.h"

#include "fma_clones.h"

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

KIT_FMA_CLONES
void torch_tanhf_array(float *out, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float v = x[i];
        if (isnan(v)) {
            out[i] = v;
        } else if (fabsf(v) > 8.664339742f) {
            out[i] = copysignf(1.0f, v); /* tanh rounds to 1 in float from here on */
        } else {
            const DoubleFloat ex = df_exp(df_make(fabsf(v), 0.0f));
            const DoubleFloat inv = df_reciprocal(ex);
            const DoubleFloat ratio =
                df_div(df_add_ordered(ex, df_make(-inv.hi, -inv.lo)), df_add_ordered(ex, inv));
            out[i] = copysignf(ratio.hi + ratio.lo, v);
        }
    }
}

/* An array of one: the algorithm has a single entry point, cloned once. */
float torch_tanhf(float x)
{
    float y;
    torch_tanhf_array(&y, &x, 1);
    return y;
}
