/* check_curve.c: common/curve.c, training curves in memory and in CSV, and
 * the comparison that the graders build their messages on.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, close */

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_test.h"
#include "curve.h"

/* Doubles that a careless writer or reader would change. */
static const double TRICKY[] = {
    0.1, 1.0 / 3.0, 0.010000000000000002, 4.892541408538818, 5e-324, 2.2250738585072014e-308,
    1e-310, DBL_MAX, -0.0, 123456789.0, -1.5e300, 0.0,
};
enum { TRICKY_COUNT = sizeof TRICKY / sizeof TRICKY[0] };

static bool same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* A fresh, empty scratch file; its path goes into buf. */
static void scratch_path(char *buf, size_t size)
{
    snprintf(buf, size, "/tmp/kit-check-curve-XXXXXX");
    const int fd = mkstemp(buf);
    ck_assert_msg(fd >= 0, "cannot create a scratch file in /tmp");
    close(fd);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static Curve make_curve(bool with_val, int n, double scale)
{
    Curve c;
    curve_init(&c, with_val);
    for (int e = 0; e < n; e++) {
        ck_assert_int_eq(curve_append(&c, 0.1 * scale, (double)(n - e) * scale, 2.0 * (n - e) * scale), 0);
    }
    return c;
}

// ----------------------------------------------------------------------------
// CSV

static void round_trip(bool with_val)
{
    Curve c;
    curve_init(&c, with_val);
    for (int i = 0; i < TRICKY_COUNT; i++) {
        curve_append(&c, TRICKY[i], TRICKY[(i + 1) % TRICKY_COUNT], TRICKY[(i + 2) % TRICKY_COUNT]);
    }
    curve_append(&c, NAN, INFINITY, -INFINITY);
    curve_append(&c, -NAN, -INFINITY, NAN);

    char path[256], err[256];
    scratch_path(path, sizeof path);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(curve_write_csv(f, &c), 0);
    fclose(f);

    Curve back;
    const int status = curve_read_csv(path, &back, err, sizeof err);
    remove(path);
    ck_assert_msg(status == 0, "reading back what curve_write_csv wrote failed: %s", err);
    ck_assert_int_eq(back.n, c.n);
    ck_assert_msg(back.has_val == with_val, "the header decides the val_loss column");
    for (int e = 0; e < c.n; e++) {
        ck_assert_msg(same_double(back.lr[e], c.lr[e]) && same_double(back.loss[e], c.loss[e]),
                      "row %d: wrote (%.17g, %.17g), read (%.17g, %.17g): not the same doubles", e,
                      c.lr[e], c.loss[e], back.lr[e], back.loss[e]);
        if (with_val) {
            ck_assert_msg(same_double(back.val_loss[e], c.val_loss[e]), "row %d: val_loss %.17g read as %.17g",
                          e, c.val_loss[e], back.val_loss[e]);
        }
    }
    curve_free(&c);
    curve_free(&back);
}

START_TEST(test_round_trip_is_bit_exact)
{
    round_trip(false);
    round_trip(true);
}
END_TEST

/* A temporary file for a writer to write into. */
static FILE *scratch_file(void)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    return f;
}

/* Everything written to f, as a string (at most size - 1 bytes); closes f. */
static void read_back(FILE *f, char *text, size_t size)
{
    rewind(f);
    const size_t len = fread(text, 1, size - 1, f);
    fclose(f);
    text[len] = '\0';
}

START_TEST(test_writer_bytes)
{
    /* The exact text: header, %.17g, and a NaN is "nan" whatever its sign. */
    Curve c;
    curve_init(&c, true);
    curve_append(&c, 0.1, -NAN, INFINITY);
    curve_append(&c, 0.5, -0.0, -INFINITY);
    FILE *f = scratch_file();
    ck_assert_int_eq(curve_write_csv(f, &c), 0);
    char text[256];
    read_back(f, text, sizeof text);
    ck_assert_str_eq(text, "epoch,lr,loss,val_loss\n"
                           "0,0.10000000000000001,nan,inf\n"
                           "1,0.5,-0,-inf\n");
    curve_free(&c);
}
END_TEST

START_TEST(test_reads_golden_python_format)
{
    /* Python's repr: "0.1", "inf", "nan"; this run diverges to both. */
    char path[512], err[256];
    golden_path(path, sizeof path, "curve_linear_linear_seed0_n7_lr3.0.csv");
    Curve c;
    ck_assert_msg(curve_read_csv(path, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(c.n, 100);
    ck_assert_msg(c.lr[0] == 3.0, "lr column read as %g", c.lr[0]);
    int infinite = 0, nans = 0;
    for (int e = 0; e < c.n; e++) {
        infinite += isinf(c.loss[e]) != 0;
        nans += isnan(c.loss[e]) != 0;
    }
    ck_assert_msg(infinite > 0 && nans > 0, "the diverged golden run has inf and nan rows (%d, %d)",
                  infinite, nans);
    curve_free(&c);
}
END_TEST

/* Writes text to a scratch file, reads it, expects failure with err
 * containing `needle`. */
static void expect_read_error(const char *text, const char *needle)
{
    char path[256], err[256] = "";
    scratch_path(path, sizeof path);
    write_text(path, text);
    Curve c;
    const int status = curve_read_csv(path, &c, err, sizeof err);
    remove(path);
    ck_assert_msg(status == -1, "reading %s should fail", text);
    ck_assert_msg(strstr(err, needle) != NULL, "error for a bad file should mention '%s', got '%s'",
                  needle, err);
    ck_assert_msg(strchr(err, '\n') == NULL, "the error is one line: '%s'", err);
    ck_assert_msg(c.n == 0, "a failed read leaves an empty curve");
}

START_TEST(test_reader_errors_name_the_line)
{
    expect_read_error("", "line 1: empty file");
    expect_read_error("epoch,loss,lr\n0,1,2\n", "line 1: expected the header");
    expect_read_error("epoch,lr,loss\n0,0.1,1\n1,0.1\n", "line 3: expected 3 fields (epoch,lr,loss), got 2");
    expect_read_error("epoch,lr,loss,val_loss\n0,0.1,1,2,3\n", "line 2: expected 4 fields");
    expect_read_error("epoch,lr,loss\n0,0.1,1\n1,0.1,1\n2,0.1,abc\n", "line 4: loss 'abc' is not a number");
    expect_read_error("epoch,lr,loss\n0,0.1,1\n1,,1\n", "line 3: lr '' is not a number");
    expect_read_error("epoch,lr,loss\n0,0.1,1\n2,0.1,1\n", "line 3: epoch 2 where epoch 1 was expected");
    expect_read_error("epoch,lr,loss\nx,0.1,1\n", "line 2: epoch 'x' is not a whole number");
    expect_read_error("epoch,lr,loss\n0,0.1,1.5e\n", "line 2: loss '1.5e' is not a number");
}
END_TEST

START_TEST(test_reader_refuses_missing_and_long)
{
    char err[256] = "";
    Curve c;
    ck_assert_int_eq(curve_read_csv("/nonexistent/curve.csv", &c, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "cannot open /nonexistent/curve.csv") != NULL, "got '%s'", err);

    char text[3000] = "epoch,lr,loss\n0,0.1,";
    memset(text + strlen(text), '1', 2000);
    expect_read_error(text, "line 2: longer than");
}
END_TEST

START_TEST(test_reader_accepts_crlf_and_trailing_blank_lines)
{
    char path[256], err[256];
    scratch_path(path, sizeof path);
    write_text(path, "epoch,lr,loss\r\n0,0.1,2.5\r\n1,0.1,2\r\n\r\n");
    Curve c;
    const int status = curve_read_csv(path, &c, err, sizeof err);
    remove(path);
    ck_assert_msg(status == 0, "CRLF file: %s", err);
    ck_assert_int_eq(c.n, 2);
    ck_assert_msg(c.loss[0] == 2.5 && c.loss[1] == 2.0, "values read wrong");
    curve_free(&c);
}
END_TEST

START_TEST(test_append_grows)
{
    Curve c = make_curve(false, 1000, 1.0);
    ck_assert_int_eq(c.n, 1000);
    for (int e = 0; e < 1000; e++) {
        ck_assert_msg(c.loss[e] == (double)(1000 - e), "row %d lost after growing", e);
    }
    curve_free(&c);
    ck_assert_msg(c.n == 0 && c.lr == NULL, "curve_free leaves an empty curve");
}
END_TEST

// ----------------------------------------------------------------------------
// Comparison

START_TEST(test_values_close_cases)
{
    ck_assert_msg(values_close(1.0, 1.0, 0.0, 0.0), "equal values are close at zero tolerance");
    ck_assert_msg(!values_close(1.0, nextafter(1.0, 2.0), 0.0, 0.0), "one ulp apart is not equal at 0");
    ck_assert_msg(values_close(1.0, 1.0 + 1e-7, 1e-6, 0.0), "within rtol");
    ck_assert_msg(!values_close(1.0, 1.0 + 1e-5, 1e-6, 0.0), "outside rtol");
    ck_assert_msg(values_close(0.0, 1e-9, 0.0, 1e-8), "within atol");
    ck_assert_msg(!values_close(0.0, 1e-7, 1e-6, 1e-8), "rtol scales with expected, not got");
    ck_assert_msg(values_close(NAN, NAN, 0.0, 0.0), "a diverged run matches a diverged run");
    ck_assert_msg(!values_close(NAN, 1.0, 1.0, 1.0) && !values_close(1.0, NAN, 1.0, 1.0),
                  "NaN is never close to a number");
    ck_assert_msg(values_close(INFINITY, INFINITY, 0.0, 0.0), "inf matches inf");
    ck_assert_msg(!values_close(INFINITY, -INFINITY, 1.0, 1.0), "inf does not match -inf");
    ck_assert_msg(!values_close(INFINITY, DBL_MAX, 1.0, 1.0) && !values_close(DBL_MAX, INFINITY, 1.0, 1.0),
                  "inf is close only to itself");
}
END_TEST

START_TEST(test_compare_equal)
{
    Curve a = make_curve(true, 50, 1.0), b = make_curve(true, 50, 1.0);
    CurveDiff d = curve_compare(&a, &b, 0.0, 0.0, 0.0);
    ck_assert_msg(d.equal && d.first_bad == -1 && d.worst_rel_err == 0.0 && d.compared == 50,
                  "identical curves: equal, no bad epoch, error 0");
    char msg[256];
    curve_diff_describe(&d, msg, sizeof msg);
    ck_assert_str_eq(msg, "curves identical over 50 epochs");
    curve_free(&a);
    curve_free(&b);
}
END_TEST

START_TEST(test_compare_off_by_one_epoch)
{
    /* A StepLR applied one epoch early: lr drops at epoch 4 instead of 5. */
    Curve expected, got;
    curve_init(&expected, false);
    curve_init(&got, false);
    for (int e = 0; e < 10; e++) {
        curve_append(&expected, e < 5 ? 0.1 : 0.010000000000000002, 1.0, 0.0);
        curve_append(&got, e < 4 ? 0.1 : 0.010000000000000002, 1.0, 0.0);
    }
    CurveDiff d = curve_compare(&expected, &got, 1e-12, 1e-6, 0.0);
    ck_assert_msg(!d.equal && d.first_bad == 4 && d.column == COL_LR, "first bad epoch 4 in lr, got %d",
                  d.first_bad);
    ck_assert_msg(d.expected == 0.1 && d.got == 0.010000000000000002, "values at the first bad epoch");
    char msg[256];
    curve_diff_describe(&d, msg, sizeof msg);
    ck_assert_str_eq(msg, "epoch 4: lr expected 0.1 got 0.010000000000000002 (worst rel err 0.9 at epoch 4)");
    curve_free(&expected);
    curve_free(&got);
}
END_TEST

START_TEST(test_compare_nan)
{
    Curve expected = make_curve(false, 5, 1.0), got = make_curve(false, 5, 1.0);
    got.loss[3] = NAN;
    CurveDiff d = curve_compare(&expected, &got, 0.0, 1e-6, 0.0);
    ck_assert_msg(!d.equal && d.first_bad == 3 && d.column == COL_LOSS, "NaN at epoch 3 must be found");
    ck_assert_msg(isinf(d.worst_rel_err) && d.worst_epoch == 3, "NaN vs a number is an infinite error");
    char msg[256];
    curve_diff_describe(&d, msg, sizeof msg);
    ck_assert_str_eq(msg, "epoch 3: loss expected 2 got nan (worst rel err inf at epoch 3)");
    expected.loss[3] = NAN;
    d = curve_compare(&expected, &got, 0.0, 1e-6, 0.0);
    ck_assert_msg(d.equal, "NaN expected and NaN got agree (a diverged run)");
    curve_free(&expected);
    curve_free(&got);
}
END_TEST

START_TEST(test_compare_length_mismatch)
{
    Curve expected = make_curve(false, 100, 1.0), got = make_curve(false, 100, 1.0);
    got.n = 99;
    CurveDiff d = curve_compare(&expected, &got, 0.0, 0.0, 0.0);
    ck_assert_msg(!d.equal && d.length_mismatch && d.compared == 99 && d.first_bad == -1,
                  "99 of 100 rows: a length mismatch, no bad value in the common rows");
    char msg[256];
    curve_diff_describe(&d, msg, sizeof msg);
    ck_assert_str_eq(msg, "expected 100 epochs, got 99 (worst rel err 0 at epoch 0)");
    got.n = 100;
    curve_free(&expected);
    curve_free(&got);
}
END_TEST

START_TEST(test_compare_val_column_mismatch)
{
    Curve expected = make_curve(true, 3, 1.0), got = make_curve(false, 3, 1.0);
    CurveDiff d = curve_compare(&expected, &got, 0.0, 0.0, 0.0);
    ck_assert_msg(!d.equal && d.column_mismatch, "a missing val_loss column makes curves differ");
    char msg[256];
    curve_diff_describe(&d, msg, sizeof msg);
    ck_assert_msg(strstr(msg, "expected a val_loss column, got none") != NULL, "got '%s'", msg);
    curve_free(&expected);
    curve_free(&got);
}
END_TEST

START_TEST(test_compare_tolerance_and_worst)
{
    Curve expected = make_curve(true, 10, 1.0), got = make_curve(true, 10, 1.0);
    got.loss[2] *= 1.0 + 1e-7;     /* within 1e-6 */
    got.val_loss[7] *= 1.0 + 5e-7; /* within, and the worst */
    CurveDiff d = curve_compare(&expected, &got, 0.0, 1e-6, 0.0);
    ck_assert_msg(d.equal, "differences under rtol are equal");
    ck_assert_msg(d.worst_epoch == 7 && fabs(d.worst_rel_err - 5e-7) < 1e-12,
                  "worst relative error 5e-7 at epoch 7, got %g at %d", d.worst_rel_err, d.worst_epoch);
    got.val_loss[8] *= 1.0 + 1e-5;
    d = curve_compare(&expected, &got, 0.0, 1e-6, 0.0);
    ck_assert_msg(!d.equal && d.first_bad == 8 && d.column == COL_VAL_LOSS, "val_loss out of tolerance");
    curve_free(&expected);
    curve_free(&got);
}
END_TEST

START_TEST(test_format_double_shortest)
{
    const struct { double v; const char *text; } cases[] = {
        { 0.1, "0.1" }, { 0.010000000000000002, "0.010000000000000002" },
        { 4.892541408538818, "4.892541408538818" }, { NAN, "nan" }, { -INFINITY, "-inf" },
        { 100.0, "100" }, { 1e-5, "1e-05" }, { -0.0, "-0" },
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        format_double(buf, sizeof buf, cases[i].v);
        ck_assert_str_eq(buf, cases[i].text);
    }
}
END_TEST

START_TEST(test_format_csv_number)
{
    /* What the CSV files hold: %.17g, NaN as "nan" whatever its sign bit, and
     * the longest doubles fit in CSV_NUMBER_SIZE. */
    const struct {
        double v;
        const char *text;
    } cases[] = {
        { 0.1, "0.10000000000000001" }, { -NAN, "nan" }, { NAN, "nan" }, { INFINITY, "inf" },
        { -INFINITY, "-inf" }, { -0.0, "-0" }, { 3.0, "3" },
        { -DBL_MAX, "-1.7976931348623157e+308" }, { -4.9406564584124654e-324, "-4.9406564584124654e-324" },
    };
    char buf[CSV_NUMBER_SIZE];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        format_csv_number(buf, sizeof buf, cases[i].v);
        ck_assert_str_eq(buf, cases[i].text);
    }
}
END_TEST

START_TEST(test_write_row)
{
    /* One row, as curve_write_csv writes it; the column count follows has_val. */
    Curve with_val, without_val;
    curve_init(&with_val, true);
    curve_init(&without_val, false);
    curve_append(&with_val, 0.5, 2.0, -NAN);
    curve_append(&with_val, 0.25, 1.0, 3.0);
    curve_append(&without_val, 0.5, -NAN, 99.0);
    FILE *f = scratch_file();
    ck_assert_int_eq(curve_write_row(f, &with_val, 1), 0);
    ck_assert_int_eq(curve_write_row(f, &with_val, 0), 0);
    ck_assert_int_eq(curve_write_row(f, &without_val, 0), 0);
    char text[256];
    read_back(f, text, sizeof text);
    ck_assert_str_eq(text, "1,0.25,1,3\n"
                           "0,0.5,2,nan\n"
                           "0,0.5,nan\n");
    curve_free(&with_val);
    curve_free(&without_val);
}
END_TEST

static Suite *curve_suite(void)
{
    Suite *s = suite_create("curve");
    add_case(s, "csv round trip bit-exact", test_round_trip_is_bit_exact);
    add_case(s, "csv writer bytes", test_writer_bytes);
    add_case(s, "csv numbers", test_format_csv_number);
    add_case(s, "csv row", test_write_row);
    add_case(s, "reads the golden python format", test_reads_golden_python_format);
    add_case(s, "reader errors name the line", test_reader_errors_name_the_line);
    add_case(s, "reader: missing file, long line", test_reader_refuses_missing_and_long);
    add_case(s, "reader: crlf and blank lines", test_reader_accepts_crlf_and_trailing_blank_lines);
    add_case(s, "append grows", test_append_grows);
    add_case(s, "values_close", test_values_close_cases);
    add_case(s, "compare: equal", test_compare_equal);
    add_case(s, "compare: off by one epoch", test_compare_off_by_one_epoch);
    add_case(s, "compare: nan", test_compare_nan);
    add_case(s, "compare: length mismatch", test_compare_length_mismatch);
    add_case(s, "compare: val column mismatch", test_compare_val_column_mismatch);
    add_case(s, "compare: tolerance and worst", test_compare_tolerance_and_worst);
    add_case(s, "format_double shortest", test_format_double_shortest);
    return s;
}

int main(void)
{
    return run_suite(curve_suite());
}
