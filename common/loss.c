/* loss.c: MSELoss and torch's float32 summation order (see loss.h).
 *
 * The sums mirror aten/src/ATen/native/cpu/SumKernel.cpp of PyTorch 1.13:
 *   cascade()  is multi_row_sum for one column,
 *   row_sum()  is row_sum (4 interleaved accumulators on top of it),
 *   torch_sum() is vectorized_inner_sum (8 lanes, then tail, then lanes),
 *   torch_sum_column() is vectorized_outer_sum / scalar_outer_sum.
 * torch works on 8-float AVX2 vectors, but each lane of a vector is an
 * independent sum, so here every lane is summed on its own with a stride.
 */
#include "loss.h"

#include <float.h>
#if FLT_EVAL_METHOD != 0
#error "this file needs FLT_EVAL_METHOD == 0: float arithmetic must round to float"
#endif

#include "alloc.h"
#include "avx2.h"
#include "kernels.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
    LANES = 8,        /* floats in one AVX2 vector */
    ACCUMULATORS = 4, /* row_sum's independent partial sums ("ilp_factor") */
    LEVELS = 4        /* depth of the cascade */
};

/* torch's utils::CeilLog2: ceil(log2(x)), and 1 for x <= 2. */
static int ceil_log2(long x)
{
    if (x <= 2) {
        return 1;
    }
    int bits = 0;
    for (unsigned long rest = (unsigned long)(x - 1); rest != 0; rest >>= 1) {
        bits++;
    }
    return bits;
}

/* The sum of v[0], v[stride], ..., v[(count-1)*stride] as multi_row_sum adds
 * it. Values are added into level 0 in blocks of `step` (16 unless count is
 * above 2^19); after each block level 0 is carried into level 1, level 1 into
 * level 2 only after every `step` blocks, and so on, like digits of a counter.
 * Partial sums of similar size are more accurate than one running total. */
static float cascade(const float *v, long stride, long count)
{
    int power = ceil_log2(count) / LEVELS;
    if (power < 4) {
        power = 4;
    }
    const long step = 1L << power;
    const long mask = step - 1;
    float level[LEVELS] = { 0.0f, 0.0f, 0.0f, 0.0f };

    long i = 0;
    while (i + step <= count) {
        for (long j = 0; j < step; j++, i++) {
            level[0] += v[i * stride];
        }
        for (int l = 1; l < LEVELS; l++) {
            level[l] += level[l - 1];
            level[l - 1] = 0.0f;
            if ((i & (mask << (l * power))) != 0) {
                break; /* no carry out of this level yet */
            }
        }
    }
    for (; i < count; i++) {
        level[0] += v[i * stride];
    }
    for (int l = 1; l < LEVELS; l++) {
        level[0] += level[l];
    }
    return level[0];
}

/* row_sum: the values as a (count/4, 4) matrix, each of its columns summed by
 * cascade(); the count % 4 leftovers go into the first partial sum, then the
 * four partial sums are added in order. */
static float row_sum(const float *v, long stride, long count)
{
    const long rows = count / ACCUMULATORS;
    float partial[ACCUMULATORS];
    for (int k = 0; k < ACCUMULATORS; k++) {
        partial[k] = cascade(v + k * stride, ACCUMULATORS * stride, rows);
    }
    for (long i = rows * ACCUMULATORS; i < count; i++) {
        partial[0] += v[i * stride];
    }
    for (int k = 1; k < ACCUMULATORS; k++) {
        partial[0] += partial[k];
    }
    return partial[0];
}

float torch_sum_scalar(const float *v, int n)
{
    if (n < LANES) {
        return row_sum(v, 1, n); /* too short for one vector: scalar path */
    }
    /* vectorized_inner_sum: lane l of vector j is v[8*j + l]. The lanes are
     * summed over the whole vectors; the tail that does not fill a vector is
     * added first, then the eight lane sums. */
    const long vectors = n / LANES;
    float total = 0.0f;
    for (long i = vectors * LANES; i < n; i++) {
        total += v[i];
    }
    for (int lane = 0; lane < LANES; lane++) {
        total += row_sum(v + lane, LANES, vectors);
    }
    return total;
}

/* Which order torch's m.sum(0) uses for column c of a (rows, cols) matrix
 * with cols > 1 (vectorized_outer_sum / scalar_outer_sum): with at least one
 * vector of columns, blocks of 32 columns (four vectors) get one plain
 * cascade each and the remaining columns a row_sum; narrower matrices do the
 * same with blocks of 4 columns. */
static bool column_is_cascaded(int cols, int c)
{
    const int block = cols >= LANES ? ACCUMULATORS * LANES : ACCUMULATORS;
    return c < cols / block * block;
}

float torch_sum_column(const float *m, int rows, int cols, int c)
{
    if (cols == 1) {
        return torch_sum(m, rows); /* one column is a contiguous vector */
    }
    /* Column c is the strided vector m[c], m[c + cols], ... */
    return column_is_cascaded(cols, c) ? cascade(m + c, cols, rows) : row_sum(m + c, cols, rows);
}

void torch_add_column_sums_scalar(float *acc, const float *m, int rows, int cols)
{
    if (cols == 1) {
        acc[0] += torch_sum_scalar(m, rows);
        return;
    }
    for (int c = 0; c < cols; c++) {
        acc[c] += column_is_cascaded(cols, c) ? cascade(m + c, cols, rows) : row_sum(m + c, cols, rows);
    }
}

void squared_errors_scalar(float *squares, const float *pred, const float *y, int n)
{
    for (int i = 0; i < n; i++) {
        const float diff = pred[i] - y[i];
        squares[i] = diff * diff;
    }
}

void mse_backward_scalar(float *dpred, const float *pred, const float *y, int n)
{
    /* d loss / d pred[i] = 2 (pred[i] - y[i]) / n. torch forms 2/n in double
     * and rounds it to float once; the final "* grad_output" (1.0) is exact
     * and left out. */
    const float norm = (float)(2.0 / n);
    for (int i = 0; i < n; i++) {
        dpred[i] = norm * (pred[i] - y[i]);
    }
}

// ----------------------------------------------------------------------------
// The AVX2 twins (avx2.h)

#if KIT_AVX2
/* cascade() with 8 independent sums in the lanes: "value i" is the 8 floats
 * at v + i * stride. This is multi_row_sum as torch itself runs it on its
 * 8-lane vectors; lane l of the result is cascade(v + l, stride, count). */
KIT_AVX2_TARGET static __m256 cascade8(const float *v, long stride, long count)
{
    int power = ceil_log2(count) / LEVELS;
    if (power < 4) {
        power = 4;
    }
    const long step = 1L << power;
    const long mask = step - 1;
    __m256 level[LEVELS] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                             _mm256_setzero_ps() };

    long i = 0;
    while (i + step <= count) {
        for (long j = 0; j < step; j++, i++) {
            level[0] = level[0] + _mm256_loadu_ps(v + i * stride);
        }
        for (int l = 1; l < LEVELS; l++) {
            level[l] = level[l] + level[l - 1];
            level[l - 1] = _mm256_setzero_ps();
            if ((i & (mask << (l * power))) != 0) {
                break;
            }
        }
    }
    for (; i < count; i++) {
        level[0] = level[0] + _mm256_loadu_ps(v + i * stride);
    }
    for (int l = 1; l < LEVELS; l++) {
        level[0] = level[0] + level[l];
    }
    return level[0];
}

/* row_sum() with 8 independent sums in the lanes (lane l: row_sum(v + l,
 * stride, count)). */
KIT_AVX2_TARGET static __m256 row_sum8(const float *v, long stride, long count)
{
    const long rows = count / ACCUMULATORS;
    __m256 partial[ACCUMULATORS];
    for (int k = 0; k < ACCUMULATORS; k++) {
        partial[k] = cascade8(v + k * stride, ACCUMULATORS * stride, rows);
    }
    for (long i = rows * ACCUMULATORS; i < count; i++) {
        partial[0] = partial[0] + _mm256_loadu_ps(v + i * stride);
    }
    for (int k = 1; k < ACCUMULATORS; k++) {
        partial[0] = partial[0] + partial[k];
    }
    return partial[0];
}

/* Lanes: torch's own, lane l holding elements l, l+8, ... (row_sum8 over the
 * whole vectors); then the scalar tail and the lanes in order, as above. */
KIT_AVX2_TARGET float torch_sum_avx2(const float *v, int n)
{
    if (n < LANES) {
        return row_sum(v, 1, n);
    }
    const long vectors = n / LANES;
    float total = 0.0f;
    for (long i = vectors * LANES; i < n; i++) {
        total += v[i];
    }
    float lanes[LANES];
    _mm256_storeu_ps(lanes, row_sum8(v, LANES, vectors));
    for (int lane = 0; lane < LANES; lane++) {
        total += lanes[lane];
    }
    return total;
}

/* Lanes: 8 consecutive columns of the same kind (cascaded or not), each
 * summed down the rows; the columns left over (and matrices narrower than
 * 8 columns) take the scalar reference. */
KIT_AVX2_TARGET void torch_add_column_sums_avx2(float *acc, const float *m, int rows, int cols)
{
    if (cols == 1) {
        acc[0] += torch_sum_avx2(m, rows);
        return;
    }
    if (cols < LANES) {
        torch_add_column_sums_scalar(acc, m, rows, cols);
        return;
    }
    int c = 0;
    for (; c + LANES <= cols; c += LANES) {
        /* column_is_cascaded changes only at a multiple of 32, so all 8 agree */
        const __m256 sums = column_is_cascaded(cols, c) ? cascade8(m + c, cols, rows)
                                                        : row_sum8(m + c, cols, rows);
        _mm256_storeu_ps(acc + c, _mm256_loadu_ps(acc + c) + sums);
    }
    for (; c < cols; c++) {
        acc[c] += column_is_cascaded(cols, c) ? cascade(m + c, cols, rows) : row_sum(m + c, cols, rows);
    }
}

/* Lanes: 8 consecutive elements. */
KIT_AVX2_TARGET void squared_errors_avx2(float *squares, const float *pred, const float *y, int n)
{
    int i = 0;
    for (; i + LANES <= n; i += LANES) {
        const __m256 diff = _mm256_loadu_ps(pred + i) - _mm256_loadu_ps(y + i);
        _mm256_storeu_ps(squares + i, diff * diff);
    }
    squared_errors_scalar(squares + i, pred + i, y + i, n - i);
}

/* Lanes: 8 consecutive elements. */
KIT_AVX2_TARGET void mse_backward_avx2(float *dpred, const float *pred, const float *y, int n)
{
    const __m256 norm = _mm256_set1_ps((float)(2.0 / n));
    int i = 0;
    for (; i + LANES <= n; i += LANES) {
        _mm256_storeu_ps(dpred + i, norm * (_mm256_loadu_ps(pred + i) - _mm256_loadu_ps(y + i)));
    }
    for (; i < n; i++) {
        dpred[i] = (float)(2.0 / n) * (pred[i] - y[i]);
    }
}
#endif

// ----------------------------------------------------------------------------
// The public kernels: the twin on a CPU with AVX2 and FMA, else the reference

float torch_sum(const float *v, int n)
{
#if KIT_AVX2
    if (kit_avx2()) {
        return torch_sum_avx2(v, n);
    }
#endif
    return torch_sum_scalar(v, n);
}

void torch_add_column_sums(float *acc, const float *m, int rows, int cols)
{
#if KIT_AVX2
    if (kit_avx2()) {
        torch_add_column_sums_avx2(acc, m, rows, cols);
        return;
    }
#endif
    torch_add_column_sums_scalar(acc, m, rows, cols);
}

static void squared_errors(float *squares, const float *pred, const float *y, int n)
{
#if KIT_AVX2
    if (kit_avx2()) {
        squared_errors_avx2(squares, pred, y, n);
        return;
    }
#endif
    squared_errors_scalar(squares, pred, y, n);
}

float mse_forward(const float *pred, const float *y, int n)
{
    /* torch materialises the squared differences, then takes their mean:
     * torch_sum, then a float division by n. Up to 256 of them live on the
     * stack: a training step of the lesson allocates nothing. */
    enum { ON_STACK = 256 };
    float stack[ON_STACK];
#if !KIT_AVX2
    /* With no twin to call, GCC 12 inlines the loop that writes the squares
     * and then cannot see that it writes all n (-Wmaybe-uninitialized). In
     * the hardware build zeroing them would cost 6% of a Linear epoch. */
    memset(stack, 0, sizeof stack);
#endif
    float *squares = n <= ON_STACK ? stack : alloc_or_exit((size_t)n, sizeof *squares, "squared errors");
    squared_errors(squares, pred, y, n);
    const float loss = torch_sum(squares, n) / (float)n;
    if (squares != stack) {
        free(squares);
    }
    return loss;
}

void mse_backward(float *dpred, const float *pred, const float *y, int n)
{
#if KIT_AVX2
    if (kit_avx2()) {
        mse_backward_avx2(dpred, pred, y, n);
        return;
    }
#endif
    mse_backward_scalar(dpred, pred, y, n);
}
