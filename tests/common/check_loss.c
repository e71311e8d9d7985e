/* check_loss.c: common/loss.c (torch's summation order, MSELoss forward and
 * backward) against PyTorch 1.13, bit for bit.
 *
 * The inputs are fixed vectors that both tools/golden/train.py and this file
 * build exactly (fixed_value below); the expected sums come from torch.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_test.h"
#include "loss.h"

/* The twin of train.py's fixed_vector: one correctly rounded double
 * operation per step, then rounded to float, so C gets torch's inputs. */
static float fixed_value(long j)
{
    const double centred = (double)(j * 7919 % 1000) - 500.5;
    return (float)(centred / 37.0 * ldexp(1.0, (int)(j % 9) - 4));
}

static float *fixed_vector(int count, long offset)
{
    float *v = malloc((size_t)(count > 0 ? count : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (int i = 0; i < count; i++) {
        v[i] = fixed_value(offset + i);
    }
    return v;
}

enum { SUM_OFFSET = 3 }; /* train.py's SUM_OFFSET */

static float left_to_right(const float *v, int n)
{
    float sum = 0.0f;
    for (int i = 0; i < n; i++) {
        sum += v[i];
    }
    return sum;
}

START_TEST(test_sum_matches_torch)
{
    CsvTable t = golden_table("sums.csv");
    const int n_col = golden_column(&t, "n"), sum_col = golden_column(&t, "torch_sum");
    int compared = 0;
    for (int r = 0; r < t.rows; r++) {
        const int n = (int)csv_table_number(&t, r, n_col);
        const float expected = (float)csv_table_number(&t, r, sum_col);
        float *v = fixed_vector(n, SUM_OFFSET);
        const float got = torch_sum(v, n);
        ck_assert_msg(same_float(got, expected),
                      "torch_sum of %d values: expected %.9g (torch.sum), got %.9g "
                      "(left to right gives %.9g): check the lane/accumulator/cascade order",
                      n, (double)expected, (double)got, (double)left_to_right(v, n));
        free(v);
        compared++;
    }
    ck_assert_int_ge(compared, 60);
    csv_table_free(&t);
}
END_TEST

START_TEST(test_short_sums_are_not_left_to_right)
{
    /* n = 5..7: fewer values than one vector, yet torch still sums them with
     * four accumulators ((v0 + v4) + v1) + v2) + v3 for n = 5. */
    CsvTable t = golden_table("sums.csv");
    const int n_col = golden_column(&t, "n"), sum_col = golden_column(&t, "torch_sum");
    const int ltr_col = golden_column(&t, "left_to_right");
    int checked = 0;
    for (int r = 0; r < t.rows; r++) {
        const int n = (int)csv_table_number(&t, r, n_col);
        if (n < 5 || n > 7) {
            continue;
        }
        const float expected = (float)csv_table_number(&t, r, sum_col);
        float *v = fixed_vector(n, SUM_OFFSET);
        ck_assert_msg(!same_float(expected, (float)csv_table_number(&t, r, ltr_col)),
                      "golden sums.csv: for n=%d torch's sum should differ from the "
                      "left-to-right one (regenerate with make golden)", n);
        ck_assert_msg(!same_float(torch_sum(v, n), left_to_right(v, n)),
                      "n=%d: torch_sum equals the left-to-right sum, torch's does not", n);
        ck_assert_msg(same_float(torch_sum(v, n), expected),
                      "n=%d: expected torch's %.9g, got %.9g", n, (double)expected,
                      (double)torch_sum(v, n));
        free(v);
        checked++;
    }
    ck_assert_int_eq(checked, 3);
    csv_table_free(&t);
}
END_TEST

START_TEST(test_empty_sum_is_zero)
{
    const float none[1] = { 42.0f };
    ck_assert_msg(torch_sum(none, 0) == 0.0f, "the sum of no values is 0");
}
END_TEST

START_TEST(test_column_sums_match_torch)
{
    CsvTable t = golden_table("colsums.csv");
    const int rows_col = golden_column(&t, "rows"), cols_col = golden_column(&t, "cols");
    const int col_col = golden_column(&t, "col"), sum_col = golden_column(&t, "sum");
    for (int r = 0; r < t.rows; r++) {
        const int rows = (int)csv_table_number(&t, r, rows_col);
        const int cols = (int)csv_table_number(&t, r, cols_col);
        const int c = (int)csv_table_number(&t, r, col_col);
        const float expected = (float)csv_table_number(&t, r, sum_col);
        float *m = fixed_vector(rows * cols, 0);
        const float got = torch_sum_column(m, rows, cols, c);
        ck_assert_msg(same_float(got, expected),
                      "sum(0) of a (%d, %d) matrix, column %d: expected %.9g, got %.9g",
                      rows, cols, c, (double)expected, (double)got);
        free(m);
    }
    csv_table_free(&t);
}
END_TEST

/* mse.csv: for each n, rows i = 0..n-1 with the loss and dloss/dpred[i] of
 * MSELoss(pred = fixed(0..n), y = fixed(1000..1000+n)). */
static void check_mse(bool backward)
{
    CsvTable t = golden_table("mse.csv");
    const int n_col = golden_column(&t, "n"), i_col = golden_column(&t, "i");
    const int loss_col = golden_column(&t, "loss"), grad_col = golden_column(&t, "dpred");
    for (int r = 0; r < t.rows;) {
        const int n = (int)csv_table_number(&t, r, n_col);
        ck_assert_int_eq((int)csv_table_number(&t, r, i_col), 0);
        float *pred = fixed_vector(n, 0), *y = fixed_vector(n, 1000);
        if (!backward) {
            const float expected = (float)csv_table_number(&t, r, loss_col);
            const float got = mse_forward(pred, y, n);
            ck_assert_msg(same_float(got, expected), "mse_forward, n=%d: expected %.9g, got %.9g",
                          n, (double)expected, (double)got);
        } else {
            float *dpred = malloc((size_t)n * sizeof *dpred);
            mse_backward(dpred, pred, y, n);
            for (int i = 0; i < n; i++) {
                const float expected = (float)csv_table_number(&t, r + i, grad_col);
                ck_assert_msg(same_float(dpred[i], expected),
                              "mse_backward, n=%d, i=%d: expected %.9g, got %.9g "
                              "(torch: (float)(2.0/n) * (pred - y))", n, i, (double)expected,
                              (double)dpred[i]);
            }
            free(dpred);
        }
        free(pred);
        free(y);
        r += n;
    }
    csv_table_free(&t);
}

START_TEST(test_mse_forward_matches_torch)
{
    check_mse(false);
}
END_TEST

START_TEST(test_mse_backward_matches_torch)
{
    check_mse(true);
}
END_TEST

START_TEST(test_mse_of_perfect_prediction_is_zero)
{
    const float y[3] = { 1.5f, -2.0f, 0.25f };
    float d[3];
    ck_assert_msg(mse_forward(y, y, 3) == 0.0f, "pred == y must give loss 0");
    mse_backward(d, y, y, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(d[i] == 0.0f, "pred == y must give gradient 0 (index %d: %g)", i, (double)d[i]);
    }
}
END_TEST

static Suite *loss_suite(void)
{
    Suite *s = suite_create("loss");
    add_case(s, "sum equals torch.sum", test_sum_matches_torch);
    add_case(s, "short sums use four accumulators", test_short_sums_are_not_left_to_right);
    add_case(s, "empty sum", test_empty_sum_is_zero);
    add_case(s, "column sums equal x.sum(0)", test_column_sums_match_torch);
    add_case(s, "mse forward equals MSELoss", test_mse_forward_matches_torch);
    add_case(s, "mse backward equals MSELoss grad", test_mse_backward_matches_torch);
    add_case(s, "perfect prediction", test_mse_of_perfect_prediction_is_zero);
    return s;
}

int main(void)
{
    return run_suite(loss_suite());
}
