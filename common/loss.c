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

#include <stdio.h>
#include <stdlib.h>

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

float torch_sum(const float *v, int n)
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

float torch_sum_column(const float *m, int rows, int cols, int c)
{
    if (cols == 1) {
        return torch_sum(m, rows); /* one column is a contiguous vector */
    }
    /* Column c is the strided vector m[c], m[c + cols], ... With at least one
     * vector of columns (vectorized_outer_sum), blocks of 32 columns (four
     * vectors) get one plain cascade each and the remaining columns a
     * row_sum; narrower matrices (scalar_outer_sum) do the same with blocks
     * of 4 columns. */
    const int block = cols >= LANES ? ACCUMULATORS * LANES : ACCUMULATORS;
    const int cascaded = cols / block * block;
    return c < cascaded ? cascade(m + c, cols, rows) : row_sum(m + c, cols, rows);
}

float mse_forward(const float *pred, const float *y, int n)
{
    /* torch materialises the squared differences, then takes their mean:
     * torch_sum, then a float division by n. */
    float *squares = malloc((size_t)(n > 0 ? n : 1) * sizeof *squares);
    if (squares == NULL) {
        fprintf(stderr, "error: out of memory in mse_forward (%d values)\n", n);
        exit(EXIT_FAILURE);
    }
    for (int i = 0; i < n; i++) {
        const float diff = pred[i] - y[i];
        squares[i] = diff * diff;
    }
    const float loss = torch_sum(squares, n) / (float)n;
    free(squares);
    return loss;
}

void mse_backward(float *dpred, const float *pred, const float *y, int n)
{
    /* d loss / d pred[i] = 2 (pred[i] - y[i]) / n. torch forms 2/n in double
     * and rounds it to float once; the final "* grad_output" (1.0) is exact
     * and left out. */
    const float norm = (float)(2.0 / n);
    for (int i = 0; i < n; i++) {
        dpred[i] = norm * (pred[i] - y[i]);
    }
}
