/* check_rng.c: common/rng.c against PyTorch 1.13 on an AVX2 CPU.
 *
 * Every expected number comes from the CSV files in tests/golden/core, written by
 * tools/golden/core.py with real torch; the comparisons are bit for bit.
 * The golden folder is GOLDEN_DIR (set at compile time, relative to the repo
 * root) or the first command-line argument.
 *
 *   make build/opt/tests/common/check_rng && build/opt/tests/common/check_rng
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "golden_float.h"

/* ------------------------------------------------------------------------ */
/* The engine                                                               */
/* ------------------------------------------------------------------------ */

START_TEST(test_mt19937_first_output_seed0)
{
    Generator g;
    rng_manual_seed(&g, 0);
    ck_assert_msg(rng_random(&g) == 2357136044u,
                  "first output for seed 0 must be 2357136044 (std::mt19937(0)): check "
                  "init_genrand and the tempering");
}
END_TEST

START_TEST(test_mt19937_10000th_output_seed5489)
{
    /* The C++ standard's check for std::mt19937 (default seed 5489). */
    Generator g;
    rng_manual_seed(&g, 5489);
    uint32_t v = 0;
    for (int i = 0; i < 10000; i++) {
        v = rng_random(&g);
    }
    ck_assert_msg(v == 4123659995u, "10000th output for seed 5489 is %" PRIu32 ", the C++ "
                  "standard requires 4123659995: the twist is wrong", v);
}
END_TEST

START_TEST(test_manual_seed_uses_low_32_bits)
{
    Generator a, b;
    rng_manual_seed(&a, 7);
    rng_manual_seed(&b, (UINT64_C(1) << 32) + 7);
    for (int i = 0; i < 700; i++) {
        ck_assert_msg(rng_random(&a) == rng_random(&b),
                      "seeds 7 and 2^32+7 must give the same stream (output %d differs)", i);
    }
}
END_TEST

START_TEST(test_random64_golden)
{
    FILE *f = open_golden("random64.csv");
    char header[64];
    ck_assert_ptr_nonnull(fgets(header, sizeof header, f));
    Generator g;
    uint64_t seed, expected;
    int k, rows = 0;
    while (fscanf(f, "%" SCNu64 ",%d,%" SCNu64 "\n", &seed, &k, &expected) == 3) {
        if (k == 0) {
            rng_manual_seed(&g, seed);
        }
        uint64_t got = rng_random64(&g);
        ck_assert_msg(got == expected, "random64 seed %" PRIu64 " output %d: expected %" PRIu64
                      " got %" PRIu64, seed, k, expected, got);
        rows++;
    }
    fclose(f);
    ck_assert_msg(rows >= 1000, "random64.csv has only %d rows", rows);
}
END_TEST

START_TEST(test_random64_is_high_half_first)
{
    FILE *f = open_golden("random64.csv");
    char header[64];
    ck_assert_ptr_nonnull(fgets(header, sizeof header, f));
    Generator g;
    uint64_t seed, expected;
    int k;
    while (fscanf(f, "%" SCNu64 ",%d,%" SCNu64 "\n", &seed, &k, &expected) == 3) {
        if (k == 0) {
            rng_manual_seed(&g, seed);
        }
        uint32_t hi = rng_random(&g), lo = rng_random(&g);
        ck_assert_msg(hi == (uint32_t)(expected >> 32) && lo == (uint32_t)expected,
                      "seed %" PRIu64 " pair %d: random64 = (first output << 32) | second; "
                      "expected hi %" PRIu32 " lo %" PRIu32 ", got hi %" PRIu32 " lo %" PRIu32,
                      seed, k, (uint32_t)(expected >> 32), (uint32_t)expected, hi, lo);
    }
    fclose(f);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Uniform                                                                  */
/* ------------------------------------------------------------------------ */

START_TEST(test_uniform_golden)
{
    int rows;
    double *t = read_table("uniform.csv", 6, &rows); /* seed,from,to,n,i,value */
    int cases = 0;
    for (int r = 0; r < rows; r += case_size(t, 6, r, 3)) {
        int n = case_size(t, 6, r, 3);
        float *got = malloc((size_t)n * sizeof *got);
        Generator g;
        rng_manual_seed(&g, (uint64_t)t[r * 6]);
        rng_uniform(&g, got, (size_t)n, t[r * 6 + 1], t[r * 6 + 2]);
        char what[128];
        snprintf(what, sizeof what, "uniform_(%.17g, %.17g) seed %d n %d", t[r * 6 + 1],
                 t[r * 6 + 2], (int)t[r * 6], n);
        expect_bits(what, t, 6, r, 5, got, n);
        free(got);
        cases++;
    }
    free(t);
    ck_assert_int_ge(cases, 14);
}
END_TEST

START_TEST(test_uniform_uses_low_24_bits)
{
    /* rand() for seed 0 is 0.49625658988952637 = (2357136044 & 0xffffff) / 2^24. */
    Generator g;
    rng_manual_seed(&g, 0);
    float u;
    rng_uniform(&g, &u, 1, 0.0, 1.0);
    ck_assert_msg(u == (float)(2357136044u & 0xffffffu) / 16777216.0f,
                  "uniform_(0, 1) must keep the LOW 24 bits of one output; got %.9g", (double)u);
}
END_TEST

/* nn.Linear(in, out) initialisation as torch computes the bounds, in double:
 * kaiming_uniform_(a=sqrt(5)) for the weight, 1/sqrt(fan_in) for the bias. */
static void linear_init_bounds(int fan_in, double *weight_bound, double *bias_bound)
{
    double a = sqrt(5.0);
    double gain = sqrt(2.0 / (1.0 + a * a));
    double std = gain / sqrt((double)fan_in);
    *weight_bound = sqrt(3.0) * std;
    *bias_bound = 1.0 / sqrt((double)fan_in);
}

START_TEST(test_linear_init_draws_golden)
{
    int rows;
    double *t = read_table("init_shapes.csv", 6, &rows); /* seed,in,out,tensor,i,value */
    int cases = 0;
    for (int r = 0; r < rows;) {
        int seed = (int)t[r * 6], in = (int)t[r * 6 + 1], out = (int)t[r * 6 + 2];
        int count = in * out + out;
        float *got = malloc((size_t)count * sizeof *got);
        double wb, bb;
        linear_init_bounds(in, &wb, &bb);
        Generator g;
        rng_manual_seed(&g, (uint64_t)seed);
        rng_uniform(&g, got, (size_t)(in * out), -wb, wb);          /* weight first */
        rng_uniform(&g, got + in * out, (size_t)out, -bb, bb);       /* then the bias */
        char what[128];
        snprintf(what, sizeof what, "nn.Linear(%d, %d) seed %d: weight then bias", in, out, seed);
        expect_bits(what, t, 6, r, 5, got, count);
        free(got);
        r += count;
        cases++;
    }
    free(t);
    ck_assert_int_ge(cases, 10);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Normal                                                                   */
/* ------------------------------------------------------------------------ */

START_TEST(test_randn_golden)
{
    int rows;
    double *t = read_table("randn.csv", 4, &rows); /* seed,n,i,value */
    int cases = 0;
    for (int r = 0; r < rows; r += case_size(t, 4, r, 1)) {
        int seed = (int)t[r * 4], n = case_size(t, 4, r, 1);
        float *got = malloc((size_t)n * sizeof *got);
        Generator g;
        rng_manual_seed(&g, (uint64_t)seed);
        rng_randn(&g, got, (size_t)n);
        char what[64];
        snprintf(what, sizeof what, "randn(%d) seed %d (%s path)", n, seed,
                 n < 16 ? "per-element double" : "16-block AVX2");
        expect_bits(what, t, 4, r, 3, got, n);
        free(got);
        cases++;
    }
    free(t);
    ck_assert_int_ge(cases, 30);
}
END_TEST

START_TEST(test_normal_mean_std_golden)
{
    int rows;
    double *t = read_table("normal.csv", 6, &rows); /* seed,mean,std,n,i,value */
    for (int r = 0; r < rows; r += case_size(t, 6, r, 3)) {
        int n = case_size(t, 6, r, 3);
        float got[64];
        ck_assert_int_le(n, 64);
        Generator g;
        rng_manual_seed(&g, (uint64_t)t[r * 6]);
        rng_normal(&g, got, (size_t)n, t[r * 6 + 1], t[r * 6 + 2]);
        char what[96];
        snprintf(what, sizeof what, "normal_(%g, %g) n %d", t[r * 6 + 1], t[r * 6 + 2], n);
        expect_bits(what, t, 6, r, 5, got, n);
    }
    free(t);
}
END_TEST

START_TEST(test_randn_cached_spare_sequence)
{
    /* One generator, several calls: a spare left by an odd small call
     * survives the block fills in between and comes out first next time. */
    int rows;
    double *t = read_table("randn_sequence.csv", 5, &rows); /* seed,call,n,i,value */
    Generator g;
    for (int r = 0; r < rows; r += case_size(t, 5, r, 2)) {
        int seed = (int)t[r * 5], call = (int)t[r * 5 + 1], n = case_size(t, 5, r, 2);
        float got[64];
        ck_assert_int_le(n, 64);
        if (call == 0) {
            rng_manual_seed(&g, (uint64_t)seed);
        }
        rng_randn(&g, got, (size_t)n);
        char what[96];
        snprintf(what, sizeof what, "seed %d call %d randn(%d) (cached spare %s)", seed, call, n,
                 "carried over between calls");
        expect_bits(what, t, 5, r, 4, got, n);
    }
    free(t);
}
END_TEST

START_TEST(test_manual_seed_clears_cached_spare)
{
    Generator g;
    float first, again;
    rng_manual_seed(&g, 0);
    rng_randn(&g, &first, 1); /* leaves a spare in the generator */
    rng_manual_seed(&g, 0);
    rng_randn(&g, &again, 1);
    ck_assert_msg(memcmp(&first, &again, sizeof first) == 0,
                  "after manual_seed, randn(1) must not return the old spare: got %.9g, expected %.9g",
                  (double)again, (double)first);
}
END_TEST

/* How many engine outputs randn(n) consumes: n, or n + 16 when 16 does not
 * divide n (the tail is redrawn), or 4 per started pair when n < 16. */
START_TEST(test_randn_consumption)
{
    const int sizes[] = { 1, 2, 3, 15, 16, 17, 37, 200 };
    const int consumed[] = { 4, 4, 8, 32, 16, 33, 53, 216 };
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        Generator g, ref;
        float buf[200];
        rng_manual_seed(&g, 0);
        rng_manual_seed(&ref, 0);
        rng_randn(&g, buf, (size_t)sizes[c]);
        for (int k = 0; k < consumed[c]; k++) {
            rng_random(&ref);
        }
        ck_assert_msg(rng_random(&g) == rng_random(&ref),
                      "randn(%d) must consume exactly %d engine outputs", sizes[c], consumed[c]);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* randperm                                                                 */
/* ------------------------------------------------------------------------ */

START_TEST(test_randperm_golden)
{
    int rows;
    double *t = read_table("randperm.csv", 4, &rows); /* seed,n,i,value */
    int cases = 0;
    for (int r = 0; r < rows; r += case_size(t, 4, r, 1)) {
        int seed = (int)t[r * 4], n = case_size(t, 4, r, 1);
        int *got = malloc((size_t)n * sizeof *got);
        Generator g;
        rng_manual_seed(&g, (uint64_t)seed);
        rng_randperm(&g, got, n);
        for (int i = 0; i < n; i++) {
            int expected = (int)t[(r + i) * 4 + 3];
            ck_assert_msg(got[i] == expected, "randperm(%d) seed %d: element %d expected %d got %d",
                          n, seed, i, expected, got[i]);
        }
        free(got);
        cases++;
    }
    free(t);
    ck_assert_int_ge(cases, 18);
}
END_TEST

/* ------------------------------------------------------------------------ */

static Suite *rng_suite(void)
{
    Suite *s = suite_create("rng");
    add_case(s, "mt19937 first output for seed 0", test_mt19937_first_output_seed0);
    add_case(s, "mt19937 10000th output for seed 5489", test_mt19937_10000th_output_seed5489);
    add_case(s, "manual_seed keeps the low 32 bits", test_manual_seed_uses_low_32_bits);
    add_case(s, "random64 equals torch", test_random64_golden);
    add_case(s, "random64 is high half first", test_random64_is_high_half_first);
    add_case(s, "uniform_ equals torch", test_uniform_golden);
    add_case(s, "uniform_ uses the low 24 bits", test_uniform_uses_low_24_bits);
    add_case(s, "nn.Linear init draws equal torch", test_linear_init_draws_golden);
    add_case(s, "randn equals torch", test_randn_golden);
    add_case(s, "normal_ with mean and std equals torch", test_normal_mean_std_golden);
    add_case(s, "randn cached spare carries over", test_randn_cached_spare_sequence);
    add_case(s, "manual_seed clears the cached spare", test_manual_seed_clears_cached_spare);
    add_case(s, "randn consumes the right number of draws", test_randn_consumption);
    add_case(s, "randperm equals torch", test_randperm_golden);
    return s;
}

int main(int argc, char **argv)
{
    return run_golden_suite(rng_suite(), argc, argv);
}
