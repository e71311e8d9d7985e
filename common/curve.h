/* curve.h: a training run's record, as CSV, and how to compare two of them.
 *
 * A curve has one row per epoch: the learning rate used in that epoch, the
 * training loss computed before that epoch's update, and optionally the
 * validation loss. CSV: header `epoch,lr,loss[,val_loss]`, numbers in %.17g,
 * so that reading a file back gives the very same doubles. A diverged run
 * writes `nan`, `inf` and `-inf` (the same words Python's repr uses, so the
 * golden files of the PyTorch scripts read back the same way).
 */
#ifndef KIT_CURVE_H
#define KIT_CURVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    int n;              /* rows (epochs) */
    int capacity;
    bool has_val;       /* the curve has a validation column */
    double *lr;
    double *loss;
    double *val_loss;   /* NULL when the curve has no validation column
                           (and, until the first row, in any curve) */
} Curve;

/* An empty curve, with or without the val_loss column. Allocates nothing, so
 * initialising an empty curve twice is harmless. */
void curve_init(Curve *c, bool with_val);
/* Adds one row (val_loss is ignored without the column): 0, or -1 when
 * memory ran out (the curve is unchanged then). */
int curve_append(Curve *c, double lr, double loss, double val_loss);
/* Frees the rows; c is an empty curve again (same columns). */
void curve_free(Curve *c);

/* Header and one line per row (curve_write_row). Returns 0, or -1 on a
 * write error. */
int curve_write_csv(FILE *out, const Curve *c);
/* Row e as curve_write_csv writes it: "epoch,lr,loss\n", or
 * "epoch,lr,loss,val_loss\n" when c->has_val. Returns 0, or -1 on a write
 * error. */
int curve_write_row(FILE *out, const Curve *c, int e);

/* A number as the kit's CSV files write it: %.17g, so that it reads back as
 * the very same double, and NaN always as "nan" (never glibc's "-nan"), so
 * that the same run always gives the same bytes. CSV_NUMBER_SIZE chars hold
 * any double. */
enum { CSV_NUMBER_SIZE = 32 };
void format_csv_number(char *buf, size_t size, double v);
/* Reads a file written by curve_write_csv (or by the PyTorch golden script):
 * the header decides the columns, epochs must count 0, 1, 2, ... Initialises
 * c (pass an empty or uninitialised curve). Returns 0, or -1 with a one-line
 * reason in err ("line 7: expected 3 fields (epoch,lr,loss), got 2"); c is
 * then empty. */
int curve_read_csv(const char *path, Curve *c, char *err, size_t err_size);

/* |got - expected| <= atol + rtol * |expected|. NaN is never close to a
 * number, but NaN expected and NaN got are (a diverged reference run is
 * matched by a diverged run); an infinity is close only to itself. */
bool values_close(double expected, double got, double rtol, double atol);

typedef enum { COL_LR, COL_LOSS, COL_VAL_LOSS } CurveColumn;

typedef struct {
    bool equal;             /* same length, same columns, every value close */
    bool length_mismatch;   /* expected.n != got.n (compared up to the shorter) */
    bool column_mismatch;   /* one curve has a val_loss column, the other not */
    bool expected_has_val;  /* whether the expected curve has that column */
    int expected_n, got_n;  /* the two lengths */
    int compared;           /* rows compared: the shorter length */
    int first_bad;          /* first epoch that differs, -1 if none */
    CurveColumn column;     /* column of first_bad */
    double expected, got;   /* the values at first_bad */
    int worst_epoch;        /* largest relative error over the compared rows */
    double worst_rel_err;   /* |got - expected| / |expected| (just |got| when
                               expected is 0; 0 for nan vs nan or inf vs the
                               same inf; infinite for nan vs a number) */
} CurveDiff;

/* Compares lr with lr_rtol (no atol) and both losses with loss_rtol/loss_atol,
 * row by row, up to the shorter curve; val_loss only when both have it. */
CurveDiff curve_compare(const Curve *expected, const Curve *got,
                        double lr_rtol, double loss_rtol, double loss_atol);

/* One line: "epoch 50: lr expected 0.01 got 0.1 (worst rel err 9 at epoch 50)".
 * Numbers are printed with the fewest digits that still identify the double
 * (0.1, 0.010000000000000002), so a difference in the last bit shows. */
void curve_diff_describe(const CurveDiff *d, char *buf, size_t size);

const char *curve_column_name(CurveColumn col);

/* The shortest decimal that reads back as exactly v (like Python's repr, in
 * %g style): "0.1", "4.892541408538818", "nan", "-inf". */
void format_double(char *buf, size_t size, double v);

#endif
