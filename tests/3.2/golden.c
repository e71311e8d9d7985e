/* golden.c: reading tests/golden/3.2 (see golden.h). */
#include "golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * A minimal CSV reader: the golden files are written by Python's csv module
 * with no quoted fields (no field contains a comma).
 * ------------------------------------------------------------------------ */

enum { MAX_FIELDS = 40, MAX_LINE = 8192 };

typedef struct {
    FILE *f;
    const char *path;
    int line_no;
    char line[MAX_LINE];
    int nfields;
    char *field[MAX_FIELDS];
    int ncols;
    char header[MAX_FIELDS][32];
} CsvReader;

/* Reads the next line into fields; 1 = a row, 0 = end of file, -1 = too long. */
static int csv_next(CsvReader *r)
{
    if (!fgets(r->line, sizeof r->line, r->f))
        return 0;
    r->line_no++;
    size_t len = strlen(r->line);
    if (len && r->line[len - 1] != '\n' && !feof(r->f))
        return -1;
    r->line[strcspn(r->line, "\r\n")] = '\0';
    r->nfields = 0;
    char *p = r->line;
    for (;;) {
        if (r->nfields == MAX_FIELDS)
            return -1;
        r->field[r->nfields++] = p;
        char *comma = strchr(p, ',');
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return 1;
}

static int csv_open(CsvReader *r, const char *path, char *err, size_t err_size)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "r");
    if (!r->f) {
        snprintf(err, err_size, "cannot open %s", path);
        return -1;
    }
    if (csv_next(r) != 1) {
        snprintf(err, err_size, "%s: no header line", path);
        fclose(r->f);
        return -1;
    }
    r->ncols = r->nfields;
    for (int i = 0; i < r->nfields; i++)
        snprintf(r->header[i], sizeof r->header[i], "%s", r->field[i]);
    return 0;
}

static int csv_col(const CsvReader *r, const char *name)
{
    for (int i = 0; i < r->ncols; i++)
        if (strcmp(r->header[i], name) == 0)
            return i;
    return -1;
}

static const char *csv_get(const CsvReader *r, const char *name)
{
    int i = csv_col(r, name);
    return i >= 0 && i < r->nfields ? r->field[i] : "";
}

static double to_double(const char *s)
{
    return strtod(s, NULL);
}

/* Reads the numeric columns cols[0..ncols-1] of a file into out[k] (malloc'd). */
static int read_columns(const char *path, const char *const *cols, int ncols, double **out,
                        int *rows, char *err, size_t err_size)
{
    CsvReader r;
    if (csv_open(&r, path, err, err_size) != 0)
        return -1;
    int idx[8], cap = 64, n = 0;
    for (int k = 0; k < ncols; k++) {
        idx[k] = csv_col(&r, cols[k]);
        out[k] = idx[k] >= 0 ? malloc(sizeof(double) * cap) : NULL;
    }
    int status;
    while ((status = csv_next(&r)) == 1) {
        if (n == cap) {
            cap *= 2;
            for (int k = 0; k < ncols; k++)
                if (out[k])
                    out[k] = realloc(out[k], sizeof(double) * cap);
        }
        for (int k = 0; k < ncols; k++)
            if (out[k]) {
                if (idx[k] >= r.nfields) {
                    snprintf(err, err_size, "%s line %d: missing column %s", path, r.line_no, cols[k]);
                    fclose(r.f);
                    return -1;
                }
                out[k][n] = to_double(r.field[idx[k]]);
            }
        n++;
    }
    fclose(r.f);
    if (status < 0) {
        snprintf(err, err_size, "%s line %d: line too long", path, r.line_no + 1);
        return -1;
    }
    *rows = n;
    return 0;
}

static void parse_case(const CsvReader *r, GoldenCase *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", csv_get(r, "id"));
    snprintf(c->test, sizeof c->test, "%s", csv_get(r, "test"));
    c->is_curve = strcmp(csv_get(r, "kind"), "curve") == 0;
    c->interleave = atoi(csv_get(r, "interleave")) != 0;
    SchedSettings *s = &c->sched;
    s->kind = sched_kind_from_name(csv_get(r, "schedule"));
    s->lr = to_double(csv_get(r, "lr"));
    s->step_size = atoi(csv_get(r, "step_size"));
    s->gamma = to_double(csv_get(r, "gamma"));
    s->plateau.mode = strcmp(csv_get(r, "mode"), "max") == 0 ? PLATEAU_MAX : PLATEAU_MIN;
    s->plateau.factor = to_double(csv_get(r, "factor"));
    s->plateau.patience = atoi(csv_get(r, "patience"));
    s->plateau.threshold = to_double(csv_get(r, "threshold"));
    s->plateau.threshold_mode =
        strcmp(csv_get(r, "threshold_mode"), "abs") == 0 ? THRESHOLD_ABS : THRESHOLD_REL;
    s->plateau.cooldown = atoi(csv_get(r, "cooldown"));
    s->plateau.min_lr = to_double(csv_get(r, "min_lr"));
    s->plateau.eps = to_double(csv_get(r, "eps"));
    s->warmup = atoi(csv_get(r, "warmup"));
    s->total = atoi(csv_get(r, "total"));
    DemoSettings *t = &c->train;
    t->seed = atoi(csv_get(r, "seed"));
    t->samples = atoi(csv_get(r, "samples"));
    t->sine = strcmp(csv_get(r, "data"), "sine") == 0;
    t->val_every = atoi(csv_get(r, "val_every"));
    t->mlp = strcmp(csv_get(r, "model"), "mlp") == 0;
    t->width = atoi(csv_get(r, "width"));
    t->train.epochs = atoi(csv_get(r, "epochs"));
    t->train.batch_size = atoi(csv_get(r, "batch_size"));
    t->train.momentum = to_double(csv_get(r, "momentum"));
    t->train.metric = strcmp(csv_get(r, "plateau_metric"), "val") == 0 ? METRIC_VAL_LOSS : METRIC_TRAIN_LOSS;
}

/* torch's state columns of a replay file, with the fields this scheduler
 * has (those the runner reports for it: runcase.c, sched_state). */
static int load_state(GoldenCase *c, const char *path, char *err, size_t err_size)
{
    double *out[STATE_FIELDS];
    int rows = 0;
    if (read_columns(path, STATE_FIELD_NAMES, STATE_FIELDS, out, &rows, err, err_size) != 0)
        return -1;
    unsigned present = c->sched.kind == SCHED_PLATEAU ? 15u : c->sched.kind == SCHED_CONSTANT ? 0u : 1u;
    for (int k = 0; k < STATE_FIELDS; k++)
        if (!out[k])
            present &= ~(1u << k);
    if (rows == c->n && present) {
        c->state = malloc(sizeof *c->state * (size_t)rows);
        for (int e = 0; c->state && e < rows; e++) {
            c->state[e] = sched_state_none();
            c->state[e].present = present;
            for (int k = 0; k < STATE_FIELDS; k++)
                if (present & (1u << k))
                    c->state[e].field[k] = out[k][e];
        }
    }
    for (int k = 0; k < STATE_FIELDS; k++)
        free(out[k]);
    return 0;
}

static int load_case_file(GoldenCase *c, const char *dir, const char *file, char *err, size_t err_size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (c->is_curve) {
        static const char *const cols[] = {"lr", "loss", "val_loss"};
        double *out[3];
        if (read_columns(path, cols, 3, out, &c->n, err, err_size) != 0)
            return -1;
        c->lr = out[0];
        c->loss = out[1];
        c->val_loss = out[2];
    } else {
        static const char *const cols[] = {"metric", "lr"};
        double *out[2];
        if (read_columns(path, cols, 2, out, &c->n, err, err_size) != 0)
            return -1;
        c->metric = out[0];
        c->lr = out[1];
        if (load_state(c, path, err, err_size) != 0)
            return -1;
    }
    if (!c->lr || c->n == 0) {
        snprintf(err, err_size, "%s: no lr column or no rows", path);
        return -1;
    }
    return 0;
}

static int find_case(const Golden *g, const char *id)
{
    for (int i = 0; i < g->ncases; i++)
        if (strcmp(g->cases[i].id, id) == 0)
            return i;
    return -1;
}

static int load_mistakes(Golden *g, const char *dir, char *err, size_t err_size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/mistakes.csv", dir);
    CsvReader r;
    if (csv_open(&r, path, err, err_size) != 0)
        return -1;
    int cap = 64, status;
    g->mistakes = malloc(sizeof(Mistake) * cap);
    /* The lr field is a long space-separated list: read it with its own buffer. */
    while ((status = csv_next(&r)) == 1) {
        if (r.nfields < 3)
            continue;
        if (g->nmistakes == cap) {
            cap *= 2;
            g->mistakes = realloc(g->mistakes, sizeof(Mistake) * cap);
        }
        Mistake *m = &g->mistakes[g->nmistakes];
        m->case_index = find_case(g, r.field[0]);
        if (m->case_index < 0)
            continue;
        snprintf(m->hint, sizeof m->hint, "%s", r.field[1]);
        int n = g->cases[m->case_index].n;
        m->lr = malloc(sizeof(double) * n);
        char *p = r.field[2];
        m->n = 0;
        while (m->n < n) {
            char *end;
            double v = strtod(p, &end);
            if (end == p)
                break;
            m->lr[m->n++] = v;
            p = end;
        }
        g->nmistakes++;
    }
    fclose(r.f);
    if (status < 0) {
        snprintf(err, err_size, "%s line %d: line too long", path, r.line_no + 1);
        return -1;
    }
    return 0;
}

int golden_load(Golden *g, const char *dir, char *err, size_t err_size)
{
    memset(g, 0, sizeof *g);
    char path[1024];
    snprintf(path, sizeof path, "%s/cases.csv", dir);
    CsvReader r;
    if (csv_open(&r, path, err, err_size) != 0)
        return -1;
    int cap = 32, status;
    g->cases = malloc(sizeof(GoldenCase) * cap);
    while ((status = csv_next(&r)) == 1) {
        if (g->ncases == cap) {
            cap *= 2;
            g->cases = realloc(g->cases, sizeof(GoldenCase) * cap);
        }
        GoldenCase *c = &g->cases[g->ncases];
        parse_case(&r, c);
        char file[256];
        snprintf(file, sizeof file, "%s", csv_get(&r, "file"));
        g->ncases++;
        if (c->sched.kind == SCHED_KINDS) {
            snprintf(err, err_size, "%s line %d: unknown schedule", path, r.line_no);
            fclose(r.f);
            return -1;
        }
        if (load_case_file(c, dir, file, err, err_size) != 0) {
            fclose(r.f);
            return -1;
        }
    }
    fclose(r.f);
    if (status < 0) {
        snprintf(err, err_size, "%s line %d: line too long", path, r.line_no + 1);
        return -1;
    }
    return load_mistakes(g, dir, err, err_size);
}

void golden_free(Golden *g)
{
    for (int i = 0; i < g->ncases; i++) {
        free(g->cases[i].metric);
        free(g->cases[i].lr);
        free(g->cases[i].loss);
        free(g->cases[i].val_loss);
        free(g->cases[i].state);
    }
    for (int i = 0; i < g->nmistakes; i++)
        free(g->mistakes[i].lr);
    free(g->cases);
    free(g->mistakes);
    memset(g, 0, sizeof *g);
}

void sched_describe(const SchedSettings *s, char *buf, size_t size)
{
    const PlateauOptions *p = &s->plateau;
    switch (s->kind) {
    case SCHED_CONSTANT:
        snprintf(buf, size, "lr %g", s->lr);
        break;
    case SCHED_STEP:
        snprintf(buf, size, "lr %g, step size %d, gamma %g", s->lr, s->step_size, s->gamma);
        break;
    case SCHED_EXPONENTIAL:
        snprintf(buf, size, "lr %g, gamma %g", s->lr, s->gamma);
        break;
    case SCHED_PLATEAU:
        snprintf(buf, size,
                 "lr %g, mode %s, factor %g, patience %d, threshold %g %s, cooldown %d, "
                 "min_lr %g, eps %g",
                 s->lr, p->mode == PLATEAU_MAX ? "max" : "min", p->factor, p->patience,
                 p->threshold, p->threshold_mode == THRESHOLD_ABS ? "abs" : "rel", p->cooldown,
                 p->min_lr, p->eps);
        break;
    default:
        snprintf(buf, size, "lr %g, warmup %d, total %d, min_lr %g", s->lr, s->warmup, s->total,
                 p->min_lr);
        break;
    }
}
