/* check_data.c: common/data.c (linspace and the lesson's datasets) against
 * PyTorch 1.13 on an AVX2 CPU, bit for bit.
 *
 * Expected numbers come from the CSV files in tests/golden/core, written by
 * tools/golden/core.py with real torch. The golden folder is GOLDEN_DIR (set
 * at compile time, relative to the repo root) or the first argument.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "rng.h"
#include "golden_float.h"

/* ------------------------------------------------------------------------ */
/* linspace                                                                 */
/* ------------------------------------------------------------------------ */

START_TEST(test_linspace_golden)
{
    int rows;
    double *t = read_table("linspace.csv", 5, &rows); /* start,end,n,i,value */
    int cases = 0;
    for (int r = 0; r < rows; r += case_size(t, 5, r, 2)) {
        int n = case_size(t, 5, r, 2);
        float *got = malloc((size_t)n * sizeof *got);
        linspace_f32(got, n, (float)t[r * 5], (float)t[r * 5 + 1]);
        char what[96];
        snprintf(what, sizeof what, "linspace(%g, %g, %d)", t[r * 5], t[r * 5 + 1], n);
        expect_bits(what, t, 5, r, 4, got, n);
        free(got);
        cases++;
    }
    free(t);
    ck_assert_int_ge(cases, 70);
}
END_TEST

START_TEST(test_linspace_lesson_endpoints)
{
    /* The post's X: exactly -1 and 1 at the ends, 2/199 apart in float. */
    float x[200];
    linspace_f32(x, 200, -1.0f, 1.0f);
    ck_assert_msg(x[0] == -1.0f && x[199] == 1.0f, "linspace(-1, 1, 200) must end exactly at "
                  "-1 and 1, got %.9g and %.9g", (double)x[0], (double)x[199]);
    ck_assert_msg(x[1] == -1.0f + 2.0f / 199.0f, "x[1] must be -1 + (2/199 in float), got %.9g",
                  (double)x[1]);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* The datasets                                                             */
/* ------------------------------------------------------------------------ */

/* Columns of data_linear.csv and data_sine.csv: seed,n,i,x,noise,y. */
enum { DATA_COLS = 6, COL_X = 3, COL_NOISE = 4, COL_Y = 5 };

static void check_dataset_file(const char *file, bool linear)
{
    int rows;
    double *t = read_table(file, DATA_COLS, &rows);
    int cases = 0;
    for (int r = 0; r < rows; r += case_size(t, DATA_COLS, r, 1)) {
        int seed = (int)t[r * DATA_COLS], n = case_size(t, DATA_COLS, r, 1);
        float *noise = malloc((size_t)n * sizeof *noise);
        Generator g;
        rng_manual_seed(&g, (uint64_t)seed);
        Dataset d;
        if (linear) {
            d = dataset_linear(&g, n, noise);
        } else {
            d = dataset_sine(&g, n);
            rng_manual_seed(&g, (uint64_t)seed);  /* the same draw, replayed */
            rng_randn(&g, noise, (size_t)n);
        }
        ck_assert_int_eq(d.n, n);
        char what[96];
        snprintf(what, sizeof what, "%s seed %d n %d: x", file, seed, n);
        expect_bits(what, t, DATA_COLS, r, COL_X, d.x, n);
        snprintf(what, sizeof what, "%s seed %d n %d: noise", file, seed, n);
        expect_bits(what, t, DATA_COLS, r, COL_NOISE, noise, n);
        snprintf(what, sizeof what, "%s seed %d n %d: y", file, seed, n);
        expect_bits(what, t, DATA_COLS, r, COL_Y, d.y, n);
        dataset_free(&d);
        free(noise);
        cases++;
    }
    free(t);
    ck_assert_int_ge(cases, 9);
}

START_TEST(test_dataset_linear_golden)
{
    check_dataset_file("data_linear.csv", true);
}
END_TEST

START_TEST(test_dataset_sine_golden)
{
    check_dataset_file("data_sine.csv", false);
}
END_TEST

/* nn.Linear(1, 1) right after the data: weight bound sqrt(3)*gain/sqrt(1) is
 * 0.9999999999999999 in double, bias bound 1/sqrt(1); both draws use U(-1,1)
 * once cast to float. Computed here in torch's order, in double. */
static void draw_linear_1_1(Generator *g, float *weight, float *bias)
{
    double a = sqrt(5.0);
    double weight_bound = sqrt(3.0) * (sqrt(2.0 / (1.0 + a * a)) / sqrt(1.0));
    rng_uniform(g, weight, 1, -weight_bound, weight_bound);
    rng_uniform(g, bias, 1, -1.0, 1.0);
}

START_TEST(test_init_after_data_golden)
{
    int rows;
    double *t = read_table("init_linear.csv", 4, &rows); /* seed,n,weight,bias */
    for (int r = 0; r < rows; r++) {
        int seed = (int)t[r * 4], n = (int)t[r * 4 + 1];
        Generator g;
        rng_manual_seed(&g, (uint64_t)seed);
        Dataset d = dataset_linear(&g, n, NULL);
        float wb[2];
        draw_linear_1_1(&g, &wb[0], &wb[1]);
        char what[96];
        snprintf(what, sizeof what, "nn.Linear(1, 1) after the data, seed %d n %d (weight, bias)",
                 seed, n);
        expect_bits(what, t, 4, r, 2, &wb[0], 1);
        expect_bits(what, t, 4, r, 3, &wb[1], 1);
        dataset_free(&d);
    }
    free(t);
    ck_assert_int_ge(rows, 9);
}
END_TEST

START_TEST(test_randperm_after_data_and_init_golden)
{
    /* The lesson's mini-batch order: data, model, then one randperm per epoch. */
    int rows;
    double *t = read_table("randperm_lesson.csv", 5, &rows); /* seed,n,epoch,i,value */
    Generator g;
    int perm[256];
    for (int r = 0; r < rows; r += case_size(t, 5, r, 1)) {
        int seed = (int)t[r * 5], n = case_size(t, 5, r, 1), epoch = (int)t[r * 5 + 2];
        ck_assert_int_le(n, 256);
        if (epoch == 0) {
            rng_manual_seed(&g, (uint64_t)seed);
            Dataset d = dataset_linear(&g, n, NULL);
            float w, b;
            draw_linear_1_1(&g, &w, &b);
            dataset_free(&d);
        }
        rng_randperm(&g, perm, n);
        for (int i = 0; i < n; i++) {
            int expected = (int)t[(r + i) * 5 + 4];
            ck_assert_msg(perm[i] == expected, "seed %d n %d epoch %d: randperm element %d "
                          "expected %d got %d", seed, n, epoch, i, expected, perm[i]);
        }
    }
    free(t);
}
END_TEST

/* A 10-sample dataset whose x is the sample index and y is 100 + index. */
static Dataset numbered_dataset(int n)
{
    Dataset d = { n, 1, 1, malloc((size_t)n * sizeof(float)), malloc((size_t)n * sizeof(float)) };
    ck_assert_ptr_nonnull(d.x);
    ck_assert_ptr_nonnull(d.y);
    for (int i = 0; i < n; i++) {
        d.x[i] = (float)i;
        d.y[i] = 100.0f + (float)i;
    }
    return d;
}

START_TEST(test_dataset_split_every_kth)
{
    Dataset all = numbered_dataset(10), train, val;
    dataset_split(&all, 3, &train, &val);
    const float want_val[] = { 2, 5, 8 };
    const float want_train[] = { 0, 1, 3, 4, 6, 7, 9 };
    ck_assert_msg(val.n == 3 && train.n == 7, "split of 10 with k=3: expected 7 train + 3 val, "
                  "got %d + %d", train.n, val.n);
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(val.x[i] == want_val[i] && val.y[i] == 100.0f + want_val[i],
                      "validation row %d must be sample %g (indices k-1, 2k-1, ...), got x=%g",
                      i, (double)want_val[i], (double)val.x[i]);
    }
    for (int i = 0; i < 7; i++) {
        ck_assert_msg(train.x[i] == want_train[i] && train.y[i] == 100.0f + want_train[i],
                      "training row %d must be sample %g (order kept), got x=%g", i,
                      (double)want_train[i], (double)train.x[i]);
    }
    for (int i = 0; i < 10; i++) {
        ck_assert_msg(dataset_is_val(i, 3) == (i == 2 || i == 5 || i == 8),
                      "dataset_is_val(%d, 3) must say where dataset_split put sample %d", i, i);
        ck_assert_msg(!dataset_is_val(i, 0) && !dataset_is_val(i, 1), "k <= 1: no sample is validation");
    }
    dataset_free(&all);
    dataset_free(&train);
    dataset_free(&val);
}
END_TEST

START_TEST(test_dataset_split_without_validation)
{
    Dataset all = numbered_dataset(10), train, val;
    dataset_split(&all, 0, &train, &val);
    ck_assert_msg(train.n == 10 && val.n == 0, "k=0 means no validation: expected 10 + 0, got "
                  "%d + %d", train.n, val.n);
    for (int i = 0; i < 10; i++) {
        ck_assert(train.x[i] == (float)i);
    }
    dataset_free(&all);
    dataset_free(&train);
    dataset_free(&val);
}
END_TEST

START_TEST(test_dataset_gather_rows_in_index_order)
{
    Dataset all = numbered_dataset(10), batch;
    const int idx[] = { 7, 2, 2, 9 };
    dataset_gather(&all, idx, 4, &batch);
    ck_assert_int_eq(batch.n, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(batch.x[i] == (float)idx[i] && batch.y[i] == 100.0f + (float)idx[i],
                      "gathered row %d must be sample %d, got x=%g y=%g", i, idx[i],
                      (double)batch.x[i], (double)batch.y[i]);
    }
    dataset_free(&all);
    dataset_free(&batch);
}
END_TEST

/* ------------------------------------------------------------------------ */

static Suite *data_suite(void)
{
    Suite *s = suite_create("data");
    add_case(s, "linspace equals torch", test_linspace_golden);
    add_case(s, "linspace(-1, 1, 200) endpoints", test_linspace_lesson_endpoints);
    add_case(s, "dataset_linear equals torch", test_dataset_linear_golden);
    add_case(s, "dataset_sine equals torch", test_dataset_sine_golden);
    add_case(s, "nn.Linear(1, 1) after the data equals torch", test_init_after_data_golden);
    add_case(s, "randperm after data and init equals torch", test_randperm_after_data_and_init_golden);
    add_case(s, "dataset_split every k-th to validation", test_dataset_split_every_kth);
    add_case(s, "dataset_split with k=0", test_dataset_split_without_validation);
    add_case(s, "dataset_gather", test_dataset_gather_rows_in_index_order);
    return s;
}

int main(int argc, char **argv)
{
    return run_golden_suite(data_suite(), argc, argv);
}
