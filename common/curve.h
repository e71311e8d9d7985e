/* curve.h: a training run's record, as CSV, and how to compare two of them.
 *
 * A curve has one row per epoch: the learning rate used in that epoch, the
 * training loss computed before that epoch's update, and optionally the
 * validation loss. CSV: header `epoch,lr,loss[,val_loss]`, numbers in %.17g,
 * so that reading a file back gives the very same doubles.
 */
#ifndef KIT_CURVE_H
#define KIT_CURVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    int n;              /* rows (epochs) */
    int capacity;
    double *lr;
    double *loss;
    double *val_loss;   /* NULL when the curve has no validation column */
} Curve;

void curve_init(Curve *c, bool with_val);
int curve_append(Curve *c, double lr, double loss, double val_loss); /* 0 or -1 (no memory) */
void curve_free(Curve *c);

int curve_write_csv(FILE *out, const Curve *c);
/* Reads a file written by curve_write_csv (or by the PyTorch golden script).
 * Returns 0, or -1 with a one-line reason ("line 7: expected 3 fields") in err. */
int curve_read_csv(const char *path, Curve *c, char *err, size_t err_size);

/* |got - expected| <= atol + rtol * |expected|, NaN never equal (except NaN
 * expected and NaN got: a diverged reference run is matched by a diverged run). */
bool values_close(double expected, double got, double rtol, double atol);

typedef enum { COL_LR, COL_LOSS, COL_VAL_LOSS } CurveColumn;

typedef struct {
    bool equal;
    bool length_mismatch;   /* expected.n != got.n (compared up to the shorter) */
    int first_bad;          /* first epoch that differs, -1 if none */
    CurveColumn column;     /* column of first_bad */
    double expected, got;   /* the values at first_bad */
    int worst_epoch;        /* largest relative error over the compared rows */
    double worst_rel_err;
} CurveDiff;

/* Compares lr with lr_rtol and losses with loss_rtol/loss_atol, row by row. */
CurveDiff curve_compare(const Curve *expected, const Curve *got,
                        double lr_rtol, double loss_rtol, double loss_atol);

/* One line: "epoch 50: lr expected 0.01 got 0.1 (worst rel err 9 at epoch 50)". */
void curve_diff_describe(const CurveDiff *d, char *buf, size_t size);

const char *curve_column_name(CurveColumn col);

#endif
