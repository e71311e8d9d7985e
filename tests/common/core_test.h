/* core_test.h: what the training core's Check suites share (check_loss,
 * check_model, check_sgd, check_train, check_curve): running a suite, and
 * reading the golden files in tests/golden/train/.
 *
 * The files are CSV with a header line, written by tools/golden/train.py with
 * real PyTorch; numbers are Python reprs of exact doubles (float32 values are
 * exact in double), plus 'nan', 'inf', '-inf'. Some columns hold names.
 *
 * Paths are relative to GOLDEN_DIR (a compile-time string, relative to the
 * repository root: the suites run from there), e.g. golden_table("sums.csv")
 * reads GOLDEN_DIR/train/sums.csv.
 */
#ifndef KIT_TESTS_CORE_TEST_H
#define KIT_TESTS_CORE_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#include "data.h"
#include "model.h"

/* One TCase per behaviour: a case named after what it checks, one test. */
void add_case(Suite *suite, const char *name, const TTest *test);
/* Runs the suite with every test in its own process (CK_FORK: a crash fails
 * one test, not the run); returns EXIT_SUCCESS or EXIT_FAILURE for main. */
int run_suite(Suite *suite);

/* The same float bit for bit; any NaN equals any NaN (a NaN's sign and
 * payload carry no meaning, and torch's differ from C's). */
bool same_float(float a, float b);

typedef struct {
    int rows, cols;
    char **names;   /* (cols): the header */
    char **cells;   /* (rows, cols): the fields as text */
} CsvTable;

/* 0, or -1 with a one-line reason in err ("line 4: expected 3 fields, got 2"). */
int csv_table_read(const char *path, CsvTable *t, char *err, size_t err_size);
/* The index of a header name, or -1. */
int csv_table_column(const CsvTable *t, const char *name);
const char *csv_table_text(const CsvTable *t, int row, int col);
/* The field as a double (strtod); NaN when it is not a number. */
double csv_table_number(const CsvTable *t, int row, int col);
void csv_table_free(CsvTable *t);

/* The Check-test side: these abort the running test with a message that says
 * how to fix things (run from the repository root, regenerate the files). */

/* GOLDEN_DIR/train/<name> into buf. */
void golden_path(char *buf, size_t size, const char *name);
/* Reads GOLDEN_DIR/train/<name>. */
CsvTable golden_table(const char *name);
/* The column's index; aborts when the file has no such column. */
int golden_column(const CsvTable *t, const char *name);
/* Column `name` of every row, as floats (the golden values are float32). */
float *golden_floats(const CsvTable *t, const char *name);

/* data_<kind>_seed<s>_n<n>.csv as a Dataset (free with dataset_free). */
Dataset golden_dataset(const char *kind, int seed, int n);
/* The initial parameters (tensor,index,value) of one layer of an init_*.csv:
 * prefix "" for nn.Linear ("weight", "bias"), "0." or "2." for the MLP's
 * hidden and output layers. The layer must be allocated to the right shape. */
void golden_layer(Linear *layer, const CsvTable *init, const char *prefix);

/* |a - b| / |b| for doubles, 0 when both are equal (or both NaN). */
double rel_diff(double a, double b);

#endif
