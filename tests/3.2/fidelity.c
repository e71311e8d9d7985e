/* fidelity.c: how close is a lesson program's CSV to the PyTorch golden CSV?
 *
 *   fidelity GOLDEN.csv GOT.csv
 *
 * Compares every column of GOLDEN (but epoch and torch's scheduler state,
 * which the replay files carry for the graders and the lesson program does
 * not print) with the column of the same name in GOT, row by row, and
 * prints one line:
 *   "exact 300/300 max_rel 0"      (values that are the very same double)
 * Exit status: 0 when every value is within 1e-6 relative (the kit's floor;
 * bit-exact is the target), 1 otherwise, 2 when a file cannot be read or the
 * shapes differ. NaN equals NaN (a diverged run matches a diverged run).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_COLS = 8, MAX_LINE = 4096 };

typedef struct {
    int ncols, rows, cap;
    char names[MAX_COLS][32];
    double *values;   /* rows * ncols */
} Table;

static int read_table(const char *path, Table *t)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[MAX_LINE];
    memset(t, 0, sizeof *t);
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    line[strcspn(line, "\r\n")] = '\0';
    for (char *tok = strtok(line, ","); tok && t->ncols < MAX_COLS; tok = strtok(NULL, ","))
        snprintf(t->names[t->ncols++], sizeof t->names[0], "%s", tok);
    while (fgets(line, sizeof line, f)) {
        if (t->rows == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 64;
            t->values = realloc(t->values, sizeof(double) * (size_t)t->cap * MAX_COLS);
        }
        char *p = line;
        for (int c = 0; c < t->ncols; c++) {
            t->values[t->rows * MAX_COLS + c] = strtod(p, &p);
            if (*p == ',')
                p++;
        }
        t->rows++;
    }
    fclose(f);
    return 0;
}

static int column(const Table *t, const char *name)
{
    for (int c = 0; c < t->ncols; c++)
        if (strcmp(t->names[c], name) == 0)
            return c;
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fidelity GOLDEN.csv GOT.csv\n");
        return 2;
    }
    Table golden, got;
    if (read_table(argv[1], &golden) != 0 || read_table(argv[2], &got) != 0) {
        fprintf(stderr, "fidelity: cannot read %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    if (golden.rows != got.rows) {
        printf("rows %d vs %d\n", golden.rows, got.rows);
        return 2;
    }
    int exact = 0, total = 0;
    double max_rel = 0;
    for (int c = 0; c < golden.ncols; c++) {
        static const char *const NOT_COMPARED[] = {"epoch", "last_epoch", "best",
                                                   "num_bad_epochs", "cooldown_counter"};
        bool compared = true;
        for (size_t i = 0; i < sizeof NOT_COMPARED / sizeof NOT_COMPARED[0]; i++)
            compared = compared && strcmp(golden.names[c], NOT_COMPARED[i]) != 0;
        if (!compared)
            continue;
        int k = column(&got, golden.names[c]);
        if (k < 0) {
            printf("missing column %s\n", golden.names[c]);
            return 2;
        }
        for (int r = 0; r < golden.rows; r++) {
            double e = golden.values[r * MAX_COLS + c], g = got.values[r * MAX_COLS + k];
            total++;
            if (e == g || (isnan(e) && isnan(g))) {
                exact++;
                continue;
            }
            double rel = fabs(g - e) / (fabs(e) > 0 ? fabs(e) : 1.0);
            if (!(rel <= max_rel))
                max_rel = isnan(rel) ? INFINITY : rel;
        }
    }
    printf("exact %d/%d max_rel %.3g\n", exact, total, max_rel);
    free(golden.values);
    free(got.values);
    return max_rel <= 1e-6 ? 0 : 1;
}
