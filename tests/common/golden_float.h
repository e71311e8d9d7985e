/* golden_float.h: reading tests/golden/core CSV files and comparing float32
 * results with them bit for bit (shared by check_rng.c and check_data.c).
 *
 * Header-only on purpose: every tests/common/check_*.c is its own program,
 * so these helpers are static functions compiled into each test that
 * includes them (inline, so a test may use only some of them).
 *
 * The golden folder is GOLDEN_DIR (a compile-time string, relative to the
 * repository root, e.g. -DGOLDEN_DIR='"tests/golden"'); a test's main may
 * point golden_dir at its first argument instead.
 */
#ifndef KIT_TESTS_GOLDEN_FLOAT_H
#define KIT_TESTS_GOLDEN_FLOAT_H

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_test.h" /* add_case, run_suite */

#ifndef GOLDEN_DIR
#define GOLDEN_DIR "tests/golden"
#endif

static const char *golden_dir = GOLDEN_DIR;

static inline FILE *open_golden(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/core/%s", golden_dir, name);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open golden file %s: run from the repository root or pass "
                  "the golden folder as the first argument (regenerate with "
                  "/usr/bin/python3 tools/golden/core.py)", path);
    return f;
}

/* All rows of a numeric CSV file (header skipped), `cols` doubles a row.
 * A field that is not a number (a name such as "weight") reads as NaN. */
static inline double *read_table(const char *name, int cols, int *rows_out)
{
    FILE *f = open_golden(name);
    char line[512];
    int rows = 0, capacity = 1024;
    double *t = malloc((size_t)capacity * (size_t)cols * sizeof *t);
    ck_assert_ptr_nonnull(t);
    ck_assert_msg(fgets(line, sizeof line, f) != NULL, "golden file %s is empty", name);
    while (fgets(line, sizeof line, f) != NULL) {
        if (rows == capacity) {
            capacity *= 2;
            t = realloc(t, (size_t)capacity * (size_t)cols * sizeof *t);
            ck_assert_ptr_nonnull(t);
        }
        char *p = line;
        for (int c = 0; c < cols; c++) {
            char *end;
            double v = strtod(p, &end);
            t[rows * cols + c] = end == p ? NAN : v;
            p = strchr(p, ',');
            ck_assert_msg(p != NULL || c == cols - 1, "%s line %d: expected %d fields", name, rows + 2, cols);
            p = p != NULL ? p + 1 : end;
        }
        rows++;
    }
    fclose(f);
    *rows_out = rows;
    return t;
}

/* Distance in units in the last place: how many floats lie between a and b. */
static inline long long ulp_distance(float a, float b)
{
    int32_t ia, ib;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    long long oa = ia < 0 ? -(long long)(ia & 0x7fffffff) : ia;
    long long ob = ib < 0 ? -(long long)(ib & 0x7fffffff) : ib;
    return llabs(oa - ob);
}

/* expected[k] is column `col` of golden rows first, first+1, ...; fails with
 * the first differing index, both values and the ulp distance. */
static inline void expect_bits(const char *what, const double *table, int cols, int first, int col,
                        const float *got, int n)
{
    int bad = 0, first_bad = -1;
    long long worst = 0;
    for (int i = 0; i < n; i++) {
        float expected = (float)table[(first + i) * cols + col];
        if (memcmp(&expected, &got[i], sizeof expected) != 0) {
            long long d = ulp_distance(expected, got[i]);
            worst = d > worst ? d : worst;
            first_bad = first_bad < 0 ? i : first_bad;
            bad++;
        }
    }
    if (bad > 0) {
        float e = (float)table[(first + first_bad) * cols + col];
        ck_abort_msg("%s: %d of %d values differ from torch; first at index %d: expected %.9g (%a), "
                     "got %.9g (%a), %lld ulp apart; worst %lld ulp", what, bad, n, first_bad,
                     (double)e, (double)e, (double)got[first_bad], (double)got[first_bad],
                     ulp_distance(e, got[first_bad]), worst);
    }
}

/* The golden files list one case after another; a case starts where the
 * index column is 0 and its size is in column n_col. */
static inline int case_size(const double *table, int cols, int row, int n_col)
{
    return (int)table[row * cols + n_col];
}

/* A test program's main: the golden folder from argv[1] when given, then
 * the suite as every core suite runs (run_suite); returns the exit status. */
static inline int run_golden_suite(Suite *suite, int argc, char **argv)
{
    if (argc > 1) {
        golden_dir = argv[1];
    }
    return run_suite(suite);
}

#endif
