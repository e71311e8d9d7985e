/* diagnose.c: the schedulers' state beside torch's, and torch's rule in words (diagnose.h). */
#include "diagnose.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "curve.h"

static void add(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

/* The shortest text that reads back as the same double. */
static const char *num(double v, char *b, size_t size)
{
    if (isinf(v))
        snprintf(b, size, "%s", v > 0 ? "inf" : "-inf");
    else
        format_double(b, size, v);
    return b;
}

static bool has(const SchedState *s, int k)
{
    return (s->present >> k) & 1u;
}

/* The first epoch <= last where a field both report differs, or -1. */
static int first_state_difference(const GoldenCase *c, const Run *r, int last, int *field)
{
    for (int e = 0; e <= last && e < c->n && e < r->n; e++)
        for (int k = 0; k < STATE_FIELDS; k++) {
            if (!has(&c->state[e], k) || !has(&r->state[e], k))
                continue;
            double want = c->state[e].field[k], got = r->state[e].field[k];
            if (!(want == got || (isnan(want) && isnan(got)))) {
                *field = k;
                return e;
            }
        }
    return -1;
}

/* What torch did between epoch e - 1 and e (e >= 1), from its state at e - 1. */
static void plateau_rule(char *buf, size_t size, const GoldenCase *c, int e)
{
    const PlateauOptions *o = &c->sched.plateau;
    const SchedState *before = &c->state[e - 1];
    double best = before->field[1], m = c->metric[e - 1];
    int bad = (int)before->field[2], cool = (int)before->field[3];
    bool max = o->mode == PLATEAU_MAX, rel = o->threshold_mode == THRESHOLD_REL;
    double bound = max ? (rel ? best * (o->threshold + 1) : best + o->threshold)
                       : (rel ? best * (1 - o->threshold) : best - o->threshold);
    bool better = max ? m > bound : m < bound;
    char a[32], b[32], t[32];
    add(buf, size, "\n  torch's rule at the end of epoch %d: the metric %s is %s%s ", e - 1,
        num(m, a, sizeof a), better ? "" : "not ", max ? "above" : "below");
    if (rel)
        add(buf, size, "best * (%s %s) = %s", max ? "1 +" : "1 -", num(o->threshold, t, sizeof t),
            num(bound, b, sizeof b));
    else
        add(buf, size, "best %s %s = %s", max ? "+" : "-", num(o->threshold, t, sizeof t),
            num(bound, b, sizeof b));
    int now = better ? 0 : bad + 1;
    if (better)
        add(buf, size, ",\n    so best = %s and num_bad_epochs %d -> 0", a, bad);
    else
        add(buf, size, ",\n    so num_bad_epochs %d -> %d", bad, now);
    if (cool > 0) {
        add(buf, size, ";\n    in cooldown (cooldown_counter %d -> %d), so num_bad_epochs -> 0", cool, cool - 1);
        now = 0;
    }
    if (now > o->patience) {
        double old_lr = c->lr[e - 1], new_lr = fmax(old_lr * o->factor, o->min_lr);
        char l[32], f[32], n[32], d[32], ep[32];
        add(buf, size, ";\n    %d > patience %d: reduce, new = max(%s * %s, min_lr) = %s", now,
            o->patience, num(old_lr, l, sizeof l), num(o->factor, f, sizeof f), num(new_lr, n, sizeof n));
        add(buf, size, old_lr - new_lr > o->eps ? ",\n    and the change %s > eps %s: lr = %s"
                                                 : ",\n    but the change %s is not > eps %s: lr stays",
            num(old_lr - new_lr, d, sizeof d), num(o->eps, ep, sizeof ep), n);
        add(buf, size, ";\n    cooldown_counter = %d, num_bad_epochs = 0", o->cooldown);
    } else {
        add(buf, size, ";\n    %d is not > patience %d: lr stays", now, o->patience);
    }
}

static void rule(char *buf, size_t size, const GoldenCase *c, int e)
{
    const SchedSettings *s = &c->sched;
    char a[32], b[32];
    if (e == 0) {
        add(buf, size, "\n  torch's rule for epoch 0: the rate given to init%s",
            s->kind == SCHED_WARMUP_COSINE && s->warmup > 0 ? ", times factor(0) = 1 / warmup" : "");
        return;
    }
    switch (s->kind) {
    case SCHED_STEP:
        add(buf, size, "\n  torch's rule at the end of epoch %d: last_epoch %d -> %d; %d %% step_size "
                       "%d = %d, so %s", e - 1, e - 1, e, e, s->step_size, e % s->step_size,
            e % s->step_size == 0 ? "lr = lr * gamma" : "lr stays");
        break;
    case SCHED_EXPONENTIAL:
        add(buf, size, "\n  torch's rule at the end of epoch %d: last_epoch %d -> %d, lr = %s * gamma %s",
            e - 1, e - 1, e, num(c->lr[e - 1], a, sizeof a), num(s->gamma, b, sizeof b));
        break;
    case SCHED_WARMUP_COSINE:
        add(buf, size, "\n  torch's rule at the end of epoch %d: last_epoch %d -> %d, lr = initial_lr * "
                       "factor(%d) (%s)", e - 1, e - 1, e, e,
            e < s->warmup ? "warm-up: (e + 1) / warmup" : e < s->total ? "cosine" : "e >= total: the floor");
        break;
    case SCHED_PLATEAU:
        plateau_rule(buf, size, c, e);
        break;
    default:
        break;
    }
}

void describe_state(char *buf, size_t size, const GoldenCase *c, const Run *r, int first)
{
    if (c->is_curve || !c->state || !r->state || first >= c->n || first >= r->n ||
        !c->state[first].present)
        return;
    int from = first > 0 ? first - 1 : first;
    add(buf, size, "\n  %-18s", "state, epoch start");
    for (int e = from; e <= first; e++) {
        char head[32];
        snprintf(head, sizeof head, "torch, epoch %d", e);
        add(buf, size, " %-16s %-12s", head, "yours");
    }
    for (int k = 0; k < STATE_FIELDS; k++) {
        if (!has(&c->state[first], k))
            continue;
        add(buf, size, "\n  %-18s", STATE_FIELD_NAMES[k]);
        for (int e = from; e <= first; e++) {
            char a[32], b[32];
            bool mine = has(&r->state[e], k);
            add(buf, size, " %-16s %-12s", num(c->state[e].field[k], a, sizeof a),
                mine ? num(r->state[e].field[k], b, sizeof b) : "-");
        }
    }
    rule(buf, size, c, first);
    int field;
    int e = first_state_difference(c, r, first, &field);
    if (e >= 0) {
        char a[32], b[32];
        add(buf, size, "\n  your state first parts from torch's at the start of epoch %d:\n    %s is %s, "
                       "torch's %s", e, STATE_FIELD_NAMES[field],
            num(r->state[e].field[field], b, sizeof b), num(c->state[e].field[field], a, sizeof a));
    }
}

bool state_contradicts(const char *hint_id, const GoldenCase *c, const Run *r)
{
    if (c->is_curve || !r->state || c->sched.kind != SCHED_PLATEAU || c->sched.plateau.cooldown <= 0)
        return false;
    /* "after reducing set cooldown_counter = cooldown": a trace where it holds cooldown did. */
    if (strcmp(hint_id, "ignores-cooldown") == 0)
        for (int e = 0; e < r->n; e++)
            if (has(&r->state[e], 3) && r->state[e].field[3] == c->sched.plateau.cooldown)
                return true;
    return false;
}
