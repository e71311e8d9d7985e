/* avx2.h: the vector twins of the exact kernels, 8 floats at a time with
 * AVX2 and FMA, chosen when the program runs, with the scalar code as the
 * reference and the fallback.
 *
 * Why: PyTorch's CPU kernels run 8 float lanes at a time (AVX2), and each
 * lane of a vector instruction rounds exactly like the scalar instruction.
 * So a loop of independent float operations gives the same bits whether it
 * runs 1 or 8 values at a time, as long as every lane does the operations
 * of the scalar code in the scalar code's order. Every kernel in common/
 * that has a twin therefore keeps one scalar reference function (the one a
 * reader checks against PyTorch's source) and an *_avx2 twin beside it, with
 * a comment saying which independent values sit in the 8 lanes (rows,
 * columns, outputs, or the lanes of torch's own vector sum). What the twin
 * never does: reassociate a sum, fuse a product the scalar code rounds, or
 * use an approximate instruction (rcp, rsqrt). tests/common/check_kernels.c
 * compares every twin with its reference bit for bit on random inputs and
 * shapes; the golden suites then check the twins against PyTorch.
 *
 * How: KIT_AVX2 is 1 where the twins are compiled (GCC or clang on x86-64,
 * unless -DKIT_NO_FMA_CLONES asks for the portable build, mk/core.mk). A twin
 * is written with KIT_AVX2_TARGET, which compiles that one function for AVX2
 * and FMA whatever the build's -march; the rest of the kit stays baseline
 * x86-64. kit_avx2() asks the CPU once, at the first call (cpuid through
 * __builtin_cpu_supports, which also checks that the OS saves the AVX
 * registers); each public kernel calls its twin when it says yes and the
 * scalar reference otherwise. On a CPU without AVX2 and FMA, or in the
 * portable build, nothing of this runs.
 *
 * Include this header only from .c files of common/ and from the test that
 * compares the twins; it is not part of the kit's API.
 */
#ifndef KIT_AVX2_H
#define KIT_AVX2_H

#include <stdbool.h>

#if !defined(KIT_NO_FMA_CLONES) && defined(__GNUC__) && defined(__x86_64__)
#define KIT_AVX2 1
#else
#define KIT_AVX2 0
#endif

#if KIT_AVX2
#include <immintrin.h>

#define KIT_AVX2_TARGET __attribute__((target("avx2,fma")))

/* True when the CPU (and the OS) run AVX2 and FMA; asked once. */
static inline bool kit_avx2(void)
{
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init(); /* safe before libgcc's own constructor ran */
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return known != 0;
}

/* 8 floats p[0], p[stride], ..., p[7 * stride] (one load when they are
 * contiguous), and the store that puts them back in the same places. */
KIT_AVX2_TARGET static inline __m256 load_strided8(const float *p, long stride)
{
    if (stride == 1) {
        return _mm256_loadu_ps(p);
    }
    return _mm256_set_ps(p[7 * stride], p[6 * stride], p[5 * stride], p[4 * stride], p[3 * stride],
                         p[2 * stride], p[stride], p[0]);
}

KIT_AVX2_TARGET static inline void store_strided8(float *p, long stride, __m256 v)
{
    if (stride == 1) {
        _mm256_storeu_ps(p, v);
        return;
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, v);
    for (int k = 0; k < 8; k++) {
        p[k * stride] = lanes[k];
    }
}

/* column[k] = the k-th float of 8 rows of 8 floats (row j at p + j*stride):
 * lane j of column[k] is p[j*stride + k]. The usual 8x8 transpose: pairs of
 * rows interleaved, then pairs of pairs, then the 128-bit halves swapped. */
KIT_AVX2_TARGET static inline void load_transposed8x8(__m256 column[8], const float *p, long stride)
{
    __m256 row[8];
    for (int j = 0; j < 8; j++) {
        row[j] = _mm256_loadu_ps(p + j * stride);
    }
    const __m256 t0 = _mm256_unpacklo_ps(row[0], row[1]), t1 = _mm256_unpackhi_ps(row[0], row[1]);
    const __m256 t2 = _mm256_unpacklo_ps(row[2], row[3]), t3 = _mm256_unpackhi_ps(row[2], row[3]);
    const __m256 t4 = _mm256_unpacklo_ps(row[4], row[5]), t5 = _mm256_unpackhi_ps(row[4], row[5]);
    const __m256 t6 = _mm256_unpacklo_ps(row[6], row[7]), t7 = _mm256_unpackhi_ps(row[6], row[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    column[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    column[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    column[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    column[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    column[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    column[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    column[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    column[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}
#else
static inline bool kit_avx2(void)
{
    return false;
}
#endif

#endif
