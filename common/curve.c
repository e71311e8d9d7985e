/* curve.c: training curves in memory, in CSV, and compared (see curve.h). */
#include "curve.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

// ----------------------------------------------------------------------------
// In memory

void curve_init(Curve *c, bool with_val)
{
    *c = (Curve){ .n = 0, .capacity = 0, .has_val = with_val };
}

/* Resize one column to `capacity` rows; the old block stays valid on failure. */
static int grow_column(double **column, int capacity)
{
    double *bigger = realloc(*column, (size_t)capacity * sizeof *bigger);
    if (bigger == NULL) {
        return -1;
    }
    *column = bigger;
    return 0;
}

int curve_append(Curve *c, double lr, double loss, double val_loss)
{
    if (c->n == c->capacity) {
        const int capacity = c->capacity > 0 ? 2 * c->capacity : 128;
        if (grow_column(&c->lr, capacity) != 0 || grow_column(&c->loss, capacity) != 0 ||
            (c->has_val && grow_column(&c->val_loss, capacity) != 0)) {
            return -1; /* columns that did grow are just larger: still valid */
        }
        c->capacity = capacity;
    }
    c->lr[c->n] = lr;
    c->loss[c->n] = loss;
    if (c->has_val) {
        c->val_loss[c->n] = val_loss;
    }
    c->n++;
    return 0;
}

void curve_free(Curve *c)
{
    free(c->lr);
    free(c->loss);
    free(c->val_loss);
    curve_init(c, c->has_val);
}

// ----------------------------------------------------------------------------
// CSV

void format_csv_number(char *buf, size_t size, double v)
{
    /* NaN is always "nan": glibc would write "-nan" for a NaN with the sign
     * bit set, and the sign of a NaN carries no meaning. */
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return;
    }
    snprintf(buf, size, "%.17g", v);
}

int curve_write_row(FILE *out, const Curve *c, int e)
{
    char lr[CSV_NUMBER_SIZE], loss[CSV_NUMBER_SIZE], val_loss[CSV_NUMBER_SIZE];
    format_csv_number(lr, sizeof lr, c->lr[e]);
    format_csv_number(loss, sizeof loss, c->loss[e]);
    if (c->has_val) {
        format_csv_number(val_loss, sizeof val_loss, c->val_loss[e]);
        return fprintf(out, "%d,%s,%s,%s\n", e, lr, loss, val_loss) < 0 ? -1 : 0;
    }
    return fprintf(out, "%d,%s,%s\n", e, lr, loss) < 0 ? -1 : 0;
}

int curve_write_csv(FILE *out, const Curve *c)
{
    int status = fputs(c->has_val ? "epoch,lr,loss,val_loss\n" : "epoch,lr,loss\n", out) < 0 ? -1 : 0;
    for (int e = 0; e < c->n && status == 0; e++) {
        status = curve_write_row(out, c, e);
    }
    return status == 0 && !ferror(out) ? 0 : -1;
}

enum { MAX_LINE = 1024, MAX_FIELDS = 4 };

/* Printf into err and return -1, for the reader's error exits. */
static int fail(char *err, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    if (err != NULL && size > 0) {
        vsnprintf(err, size, format, args);
    }
    va_end(args);
    return -1;
}

/* Split line at commas, in place. Returns the number of fields (at most
 * MAX_FIELDS + 1: one more tells the caller there were too many). */
static int split_fields(char *line, char *fields[MAX_FIELDS + 1])
{
    int count = 0;
    char *start = line;
    for (;;) {
        char *comma = strchr(start, ',');
        if (count <= MAX_FIELDS) {
            fields[count] = start;
        }
        count++;
        if (comma == NULL) {
            break;
        }
        *comma = '\0';
        start = comma + 1;
    }
    return count > MAX_FIELDS + 1 ? MAX_FIELDS + 1 : count;
}

/* A whole field as a double (strtod: decimal, nan, inf); false if anything else. */
static bool parse_double(const char *field, double *value)
{
    char *end;
    errno = 0;
    *value = strtod(field, &end);
    /* ERANGE on underflow still gives the right (subnormal or zero) double;
     * overflow cannot happen for numbers %.17g wrote. */
    return end != field && *end == '\0';
}

static bool parse_epoch(const char *field, long *epoch)
{
    char *end;
    errno = 0;
    *epoch = strtol(field, &end, 10);
    return end != field && *end == '\0' && errno == 0;
}

/* Drop the line end: "\n", "\r\n" or nothing (last line). */
static void chomp(char *line)
{
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        line[--len] = '\0';
    }
}

/* Parse one data line (fields already split) into the curve. */
static int read_row(Curve *c, char **fields, int count, int line_no, char *err, size_t size)
{
    static const char *const names[] = { "epoch", "lr", "loss", "val_loss" };
    const int expected = c->has_val ? 4 : 3;
    if (count != expected) {
        return fail(err, size, "line %d: expected %d fields (%s), got %s%d", line_no, expected,
                    c->has_val ? "epoch,lr,loss,val_loss" : "epoch,lr,loss",
                    count > MAX_FIELDS ? "more than " : "", count > MAX_FIELDS ? MAX_FIELDS : count);
    }
    long epoch;
    if (!parse_epoch(fields[0], &epoch)) {
        return fail(err, size, "line %d: epoch '%s' is not a whole number", line_no, fields[0]);
    }
    if (epoch != c->n) {
        return fail(err, size, "line %d: epoch %ld where epoch %d was expected (epochs count 0, 1, 2, ...)",
                    line_no, epoch, c->n);
    }
    double values[3] = { 0.0, 0.0, NAN };
    for (int f = 1; f < expected; f++) {
        if (!parse_double(fields[f], &values[f - 1])) {
            return fail(err, size, "line %d: %s '%s' is not a number", line_no, names[f], fields[f]);
        }
    }
    if (curve_append(c, values[0], values[1], values[2]) != 0) {
        return fail(err, size, "line %d: out of memory", line_no);
    }
    return 0;
}

/* Read the header and the rows of an open file into c. */
static int read_rows(FILE *in, Curve *c, char *err, size_t size)
{
    char line[MAX_LINE + 2];
    int line_no = 0;
    bool have_header = false;
    while (fgets(line, sizeof line, in) != NULL) {
        line_no++;
        if (strlen(line) > MAX_LINE && strchr(line, '\n') == NULL) {
            return fail(err, size, "line %d: longer than %d characters", line_no, MAX_LINE);
        }
        chomp(line);
        if (line[0] == '\0') {
            continue; /* blank lines carry nothing (a final newline, say) */
        }
        if (!have_header) {
            if (strcmp(line, "epoch,lr,loss") != 0 && strcmp(line, "epoch,lr,loss,val_loss") != 0) {
                return fail(err, size, "line %d: expected the header 'epoch,lr,loss' or "
                            "'epoch,lr,loss,val_loss', got '%.60s'", line_no, line);
            }
            curve_init(c, strcmp(line, "epoch,lr,loss,val_loss") == 0);
            have_header = true;
            continue;
        }
        char *fields[MAX_FIELDS + 1];
        const int count = split_fields(line, fields);
        if (read_row(c, fields, count, line_no, err, size) != 0) {
            return -1;
        }
    }
    if (ferror(in)) {
        return fail(err, size, "line %d: read error: %s", line_no + 1, strerror(errno));
    }
    if (!have_header) {
        return fail(err, size, "line 1: empty file, expected the header 'epoch,lr,loss'");
    }
    return 0;
}

int curve_read_csv(const char *path, Curve *c, char *err, size_t err_size)
{
    curve_init(c, false);
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        return fail(err, err_size, "cannot open %s: %s", path, strerror(errno));
    }
    const int status = read_rows(in, c, err, err_size);
    fclose(in);
    if (status != 0) {
        curve_free(c);
    }
    return status;
}

// ----------------------------------------------------------------------------
// Comparison

bool values_close(double expected, double got, double rtol, double atol)
{
    if (isnan(expected) || isnan(got)) {
        return isnan(expected) && isnan(got);
    }
    if (isinf(expected) || isinf(got)) {
        return expected == got;
    }
    return fabs(got - expected) <= atol + rtol * fabs(expected);
}

/* The relative error that CurveDiff reports (see curve.h for the cases). */
static double relative_error(double expected, double got)
{
    if (isnan(expected) || isnan(got)) {
        return isnan(expected) && isnan(got) ? 0.0 : INFINITY;
    }
    if (expected == got) {
        return 0.0; /* also the same infinity */
    }
    if (isinf(expected) || isinf(got)) {
        return INFINITY;
    }
    if (expected == 0.0) {
        return fabs(got);
    }
    return fabs(got - expected) / fabs(expected);
}

/* One value of one row: track the worst error and the first mismatch. */
static void compare_value(CurveDiff *d, int epoch, CurveColumn column, double expected,
                          double got, double rtol, double atol)
{
    const double rel = relative_error(expected, got);
    if (d->worst_epoch < 0 || rel > d->worst_rel_err) {
        d->worst_rel_err = rel;
        d->worst_epoch = epoch;
    }
    if (d->first_bad < 0 && !values_close(expected, got, rtol, atol)) {
        d->first_bad = epoch;
        d->column = column;
        d->expected = expected;
        d->got = got;
    }
}

CurveDiff curve_compare(const Curve *expected, const Curve *got,
                        double lr_rtol, double loss_rtol, double loss_atol)
{
    CurveDiff d = { 0 };
    d.expected_n = expected->n;
    d.got_n = got->n;
    d.length_mismatch = expected->n != got->n;
    d.column_mismatch = expected->has_val != got->has_val;
    d.expected_has_val = expected->has_val;
    d.compared = expected->n < got->n ? expected->n : got->n;
    d.first_bad = -1;
    d.worst_epoch = -1;
    const bool with_val = expected->has_val && got->has_val;
    for (int e = 0; e < d.compared; e++) {
        compare_value(&d, e, COL_LR, expected->lr[e], got->lr[e], lr_rtol, 0.0);
        compare_value(&d, e, COL_LOSS, expected->loss[e], got->loss[e], loss_rtol, loss_atol);
        if (with_val) {
            compare_value(&d, e, COL_VAL_LOSS, expected->val_loss[e], got->val_loss[e],
                          loss_rtol, loss_atol);
        }
    }
    d.equal = !d.length_mismatch && !d.column_mismatch && d.first_bad < 0;
    return d;
}

const char *curve_column_name(CurveColumn col)
{
    switch (col) {
    case COL_LR:
        return "lr";
    case COL_LOSS:
        return "loss";
    case COL_VAL_LOSS:
        return "val_loss";
    }
    return "?";
}

void format_double(char *buf, size_t size, double v)
{
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return;
    }
    /* The fewest significant digits that read back as v: at most 17. */
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) {
            break;
        }
    }
    /* %g writes an exponent as soon as it is >= the digits asked for (100
     * with one digit is "1e+02"); write such numbers out in full up to 1e16,
     * as Python's repr does. */
    const char *e = strchr(buf, 'e');
    if (e != NULL) {
        const long exponent = strtol(e + 1, NULL, 10);
        if (exponent >= 0 && exponent < 16) {
            snprintf(buf, size, "%.*g", (int)exponent + 1, v);
        }
    }
}

/* Append printf output to buf at *used (truncating safely). */
static void append(char *buf, size_t size, size_t *used, const char *format, ...)
{
    if (*used >= size) {
        return;
    }
    va_list args;
    va_start(args, format);
    const int wrote = vsnprintf(buf + *used, size - *used, format, args);
    va_end(args);
    if (wrote > 0) {
        *used += (size_t)wrote < size - *used ? (size_t)wrote : size - *used - 1;
    }
}

void curve_diff_describe(const CurveDiff *d, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0) {
        return;
    }
    buf[0] = '\0';
    if (d->equal) {
        if (d->worst_rel_err == 0.0) {
            append(buf, size, &used, "curves identical over %d epochs", d->compared);
        } else {
            append(buf, size, &used, "curves agree over %d epochs (worst rel err %.3g at epoch %d)",
                   d->compared, d->worst_rel_err, d->worst_epoch);
        }
        return;
    }
    const char *sep = "";
    if (d->column_mismatch) {
        append(buf, size, &used, d->expected_has_val ? "expected a val_loss column, got none"
                                                     : "got a val_loss column, expected none");
        sep = "; ";
    }
    if (d->length_mismatch) {
        append(buf, size, &used, "%sexpected %d epochs, got %d", sep, d->expected_n, d->got_n);
        sep = "; ";
    }
    if (d->first_bad >= 0) {
        char expected[32], got[32];
        format_double(expected, sizeof expected, d->expected);
        format_double(got, sizeof got, d->got);
        append(buf, size, &used, "%sepoch %d: %s expected %s got %s", sep, d->first_bad,
               curve_column_name(d->column), expected, got);
    }
    if (d->worst_epoch >= 0) {
        append(buf, size, &used, " (worst rel err %.3g at epoch %d)", d->worst_rel_err, d->worst_epoch);
    }
}
