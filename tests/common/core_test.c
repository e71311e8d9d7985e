/* core_test.c: suite helpers and golden CSV files for the core's suites (see core_test.h). */
#include "core_test.h"

#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GOLDEN_DIR
#define GOLDEN_DIR "tests/golden"
#endif

enum { MAX_LINE = 4096 };

void add_case(Suite *suite, const char *name, const TTest *test)
{
    TCase *tc = tcase_create(name);
    tcase_add_test(tc, test);
    suite_add_tcase(suite, tc);
}

int run_suite(Suite *suite)
{
    SRunner *runner = srunner_create(suite);
    srunner_set_fork_status(runner, CK_FORK);
    srunner_run_all(runner, CK_NORMAL);
    const int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int table_error(char *err, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(err, size, format, args);
    va_end(args);
    return -1;
}

/* Split a line at commas into freshly allocated strings; returns the count. */
static int split(const char *line, char ***fields_out)
{
    int count = 1;
    for (const char *p = line; *p != '\0'; p++) {
        count += *p == ',';
    }
    char **fields = malloc((size_t)count * sizeof *fields);
    const char *start = line;
    for (int f = 0; f < count; f++) {
        const char *end = strchr(start, ',');
        size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
        fields[f] = malloc(len + 1);
        memcpy(fields[f], start, len);
        fields[f][len] = '\0';
        start = end != NULL ? end + 1 : start + len;
    }
    *fields_out = fields;
    return count;
}

static void free_fields(char **fields, int count)
{
    for (int f = 0; f < count; f++) {
        free(fields[f]);
    }
    free(fields);
}

int csv_table_read(const char *path, CsvTable *t, char *err, size_t err_size)
{
    memset(t, 0, sizeof *t);
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        return table_error(err, err_size, "cannot open %s", path);
    }
    char line[MAX_LINE];
    int line_no = 0, capacity = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        line_no++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0') {
            continue;
        }
        char **fields;
        const int count = split(line, &fields);
        if (t->names == NULL) {
            t->names = fields;
            t->cols = count;
            continue;
        }
        if (count != t->cols) {
            free_fields(fields, count);
            fclose(in);
            csv_table_free(t);
            return table_error(err, err_size, "%s line %d: expected %d fields, got %d", path, line_no,
                        t->cols, count);
        }
        if (t->rows == capacity) {
            capacity = capacity > 0 ? 2 * capacity : 256;
            t->cells = realloc(t->cells, (size_t)capacity * (size_t)t->cols * sizeof *t->cells);
        }
        memcpy(t->cells + (size_t)t->rows * (size_t)t->cols, fields, (size_t)count * sizeof *fields);
        free(fields);
        t->rows++;
    }
    fclose(in);
    if (t->names == NULL) {
        return table_error(err, err_size, "%s: empty file", path);
    }
    return 0;
}

int csv_table_column(const CsvTable *t, const char *name)
{
    for (int c = 0; c < t->cols; c++) {
        if (strcmp(t->names[c], name) == 0) {
            return c;
        }
    }
    return -1;
}

const char *csv_table_text(const CsvTable *t, int row, int col)
{
    return t->cells[(size_t)row * (size_t)t->cols + (size_t)col];
}

double csv_table_number(const CsvTable *t, int row, int col)
{
    const char *text = csv_table_text(t, row, col);
    char *end;
    const double v = strtod(text, &end);
    return end != text && *end == '\0' ? v : NAN;
}

void csv_table_free(CsvTable *t)
{
    if (t->names != NULL) {
        free_fields(t->names, t->cols);
    }
    for (size_t i = 0; i < (size_t)t->rows * (size_t)t->cols; i++) {
        free(t->cells[i]);
    }
    free(t->cells);
    memset(t, 0, sizeof *t);
}

// ----------------------------------------------------------------------------
// For Check tests

void golden_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/train/%s", GOLDEN_DIR, name);
}

CsvTable golden_table(const char *name)
{
    char path[512], err[512];
    CsvTable t;
    golden_path(path, sizeof path, name);
    if (csv_table_read(path, &t, err, sizeof err) != 0) {
        ck_abort_msg("golden file: %s (run the suite from the repository root; "
                     "`make golden` regenerates tests/golden/ with PyTorch)", err);
    }
    return t;
}

int golden_column(const CsvTable *t, const char *name)
{
    const int col = csv_table_column(t, name);
    ck_assert_msg(col >= 0, "golden file has no column '%s' (regenerate with `make golden`)", name);
    return col;
}

float *golden_floats(const CsvTable *t, const char *name)
{
    const int col = golden_column(t, name);
    float *v = malloc((size_t)(t->rows > 0 ? t->rows : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (int r = 0; r < t->rows; r++) {
        v[r] = (float)csv_table_number(t, r, col);
    }
    return v;
}

Dataset golden_dataset(const char *kind, int seed, int n)
{
    char name[128];
    snprintf(name, sizeof name, "data_%s_seed%d_n%d.csv", kind, seed, n);
    CsvTable t = golden_table(name);
    ck_assert_msg(t.rows == n, "%s: %d rows, expected %d", name, t.rows, n);
    Dataset d = { n, 1, 1, golden_floats(&t, "x"), golden_floats(&t, "y") };
    csv_table_free(&t);
    return d;
}

void golden_layer(Linear *layer, const CsvTable *init, const char *prefix)
{
    const int tensor = golden_column(init, "tensor");
    const int index = golden_column(init, "index");
    const int value = golden_column(init, "value");
    char weight[32], bias[32];
    snprintf(weight, sizeof weight, "%sweight", prefix);
    snprintf(bias, sizeof bias, "%sbias", prefix);
    int weights = 0, biases = 0;
    for (int r = 0; r < init->rows; r++) {
        const char *name = csv_table_text(init, r, tensor);
        const int i = (int)csv_table_number(init, r, index);
        const float v = (float)csv_table_number(init, r, value);
        if (strcmp(name, weight) == 0) {
            ck_assert_int_lt(i, layer->in * layer->out);
            layer->weight[i] = v;
            weights++;
        } else if (strcmp(name, bias) == 0) {
            ck_assert_int_lt(i, layer->out);
            layer->bias[i] = v;
            biases++;
        }
    }
    ck_assert_msg(weights == layer->in * layer->out && biases == layer->out,
                  "init file: %d %s and %d %s values, expected %d and %d", weights, weight,
                  biases, bias, layer->in * layer->out, layer->out);
}

bool same_float(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

double rel_diff(double a, double b)
{
    if (a == b || (isnan(a) && isnan(b))) {
        return 0.0;
    }
    if (b == 0.0 || isinf(b) || isnan(a) || isnan(b)) {
        return fabs(a - b);
    }
    return fabs(a - b) / fabs(b);
}
