/* hints.c: the hint catalogue and the pattern classifier (see hints.h). */
#include "hints.h"

#include "curve.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const Tolerance LOSS_TOLERANCE = {1e-4, 1e-6};

Tolerance lr_tolerance(const SchedSettings *s)
{
    /* Relative: float state or a closed form drift by at most ~1e-5 over a
     * few hundred epochs. The cosine of the bonus loses relative accuracy
     * near its minimum in float (1 + cos(x) cancels), hence its absolute
     * term; elsewhere the absolute term only covers exact zeros. */
    Tolerance t = {1e-4, 1e-12 * fabs(s->lr)};
    if (s->kind == SCHED_WARMUP_COSINE)
        t.atol = 1e-6 * fabs(s->lr);
    return t;
}

bool within(double expected, double got, Tolerance t)
{
    return values_close(expected, got, t.rtol, t.atol);   /* NaN matches NaN, inf only itself */
}

void tolerance_describe(Tolerance t, char *buf, size_t size)
{
    snprintf(buf, size, "|got - expected| <= %g * |expected| + %g", t.rtol, t.atol);
}

/* ------------------------------------------------------------------------
 * The catalogue. Ids are stable (results.json, the mutant catalogue).
 * ------------------------------------------------------------------------ */

static const Hint HINTS[] = {
    {"not-finite", "the rate became NaN or infinite. Look for 0/0 or a division by a value "
                   "that can be 0, a variable read before it was set, or a pointer cast to the "
                   "wrong struct."},
    {"negative-lr", "the rate became negative. A rate is only ever multiplied by a positive "
                    "factor or clamped up to min_lr: look for a subtraction."},
    {"lr-zero", "the rate is 0. Does *_init set base.lr to the rate passed in (the stub's "
                "placeholder `s->base.lr = 0.0` is still there?), and does step keep it?"},
    {"lr-becomes-zero", "your rate is right at first and then becomes 0: step multiplied it by "
                        "a value that is 0. *_init starts from memset(s, 0, ...): is every "
                        "field step reads (gamma, factor) stored there?"},
    {"warmup-starts-at-full-rate", "epoch 0 uses the full rate; the warm-up starts lower: "
                                   "epoch 0 uses lr * factor(0) = lr * 1 / warmup, so init sets "
                                   "base.lr = lr * warmup_cosine_factor(s, 0)."},
    {"warmup-integer-division", "your warm-up is 0 until its last epoch, then right: (e + 1) / "
                                "warmup is integer division there (0 while e + 1 < warmup). "
                                "Divide in double: (double)(e + 1) / warmup."},
    {"wrong-start", "epoch 0 uses the wrong rate. Epoch 0 uses the rate passed to *_init "
                    "(torch applies no decay before the first epoch): set base.lr = lr."},
    {"lr-never-changes", "your rate never changes. Is step doing its work? It must update "
                         "self->lr (the field the loop reads), not a copy."},
    {"decays-early", "your schedule runs one epoch ahead: epoch e already has torch's rate of "
                     "epoch e + 1. Increment last_epoch first, then decide with the new value "
                     "(torch's rule), and do not add 1 again."},
    {"decays-late", "your schedule runs one epoch behind: epoch e has torch's rate of epoch "
                    "e - 1. After the step at the end of epoch e, base.lr must be the rate of "
                    "epoch e + 1: count the epoch before you test it."},
    {"decays-at-epoch-0", "your first decay comes right after epoch 0. Epoch 0 is a multiple "
                          "of every step size, but torch never decays there: it increments "
                          "last_epoch before testing it, so the first test sees epoch 1."},
    {"decays-every-epoch", "you multiply by gamma after every epoch. Step decay multiplies "
                           "only when the new last_epoch is a multiple of step_size."},
    {"closed-form-exponent", "your closed form uses the wrong exponent: StepLR's rate is "
                             "lr * gamma^floor(e / step_size), with integer division; "
                             "e / step_size in floating point decays smoothly instead of in "
                             "steps."},
    {"multiplies-initial-lr", "you multiply the initial rate instead of the current one, so "
                              "the rate drops once and then stays. Multiply self->lr (torch's "
                              "recursive form): the second cut gives lr * f * f."},
    {"wrong-factor", "the rate changes at the right epochs but by the wrong amount. Multiply by "
                     "gamma (step, exponential) or factor (plateau): not divide, not 1 - "
                     "gamma."},
    {"patience-ge", "you reduce one epoch too early: torch reduces when num_bad_epochs > "
                    "patience (strictly greater), not >=. With patience 0 the first bad epoch "
                    "reduces."},
    {"patience-late", "you reduce one epoch too late: torch reduces as soon as "
                      "num_bad_epochs > patience. Count the bad epoch before the test, and "
                      "start num_bad_epochs at 0."},
    {"reduces-early", "your first reduction comes earlier than torch's. Check the improvement "
                      "test (strict <, against best with the threshold) and the patience test "
                      "(num_bad_epochs > patience)."},
    {"reduces-late", "your first reduction comes later than torch's (or never). Check that a "
                     "bad epoch increments num_bad_epochs, that only a real improvement resets "
                     "it, and the patience test (num_bad_epochs > patience)."},
    {"no-reset-bad-epochs", "after the first reduction your rate drops again every epoch: "
                            "reset num_bad_epochs to 0 after reducing (torch does, whether or "
                            "not the rate actually changed)."},
    {"no-reset-on-improvement", "an improvement must reset num_bad_epochs to 0; yours keeps "
                                "counting across improvements and reduces too soon."},
    {"ignores-cooldown", "you reduce again too soon after a reduction: after reducing set "
                         "cooldown_counter = cooldown; while it is > 0, each step decrements "
                         "it and sets num_bad_epochs to 0."},
    {"cooldown-counts-bad", "bad epochs during cooldown must not count: while "
                            "cooldown_counter > 0, decrement it and set num_bad_epochs = 0, "
                            "after the improvement test (torch's order: better?, cooldown, "
                            "patience)."},
    {"cooldown-only-bad-epochs", "your cooldown lasts longer than torch's when the metric "
                                 "improves during it: torch counts every epoch of cooldown, good "
                                 "or bad (while cooldown_counter > 0, each step decrements it), "
                                 "not only the bad ones."},
    {"ignores-min-lr", "your rate went below min_lr: the new rate is max(lr * factor, "
                       "min_lr)."},
    {"eps-on-new-lr", "you compare the new rate with eps. torch skips a reduction when the "
                      "change is small: old_lr - new_lr > eps decides, whatever the new rate "
                      "is (a small cut of a large rate is skipped, a big cut to a rate below eps "
                      "is made)."},
    {"state-outside-struct", "each scheduler alone is right, but two of this kind stepped side by "
                             "side go wrong: some state lives outside the struct (a static or "
                             "global variable) and both schedulers count it. Keep every counter in "
                             "the scheduler's own fields (s->last_epoch)."},
    {"ignores-eps", "reductions smaller than eps must be skipped: change the rate only when "
                    "old_lr - new_lr > eps (cooldown still starts)."},
    {"compares-previous", "you compare the metric with the previous epoch's value; torch "
                          "compares it with best, the best value so far, and only an "
                          "improvement on best resets the bad-epoch count."},
    {"threshold-mode", "the threshold is applied in the wrong mode: rel means "
                       "metric < best * (1 - threshold), abs means metric < best - threshold "
                       "(mode max: best * (threshold + 1), best + threshold)."},
    {"ignores-threshold", "you ignore the threshold: a metric counts as better only if it "
                          "beats best by more than the threshold (rel: best * (1 - "
                          "threshold))."},
    {"mode-max-inverted", "mode max is inverted: there a higher metric is better (metric > "
                          "best * (threshold + 1) or best + threshold), and best starts at "
                          "-infinity."},
    {"non-strict-improvement", "an equal metric is not an improvement: the comparisons are "
                               "strict (< in mode min, > in mode max)."},
    {"best-not-updated", "best must become the metric whenever the metric improves; yours "
                         "keeps its first value."},
    {"best-init", "best must start as the worst possible value: +INFINITY in mode min, "
                  "-INFINITY in mode max (plateau_init), so the first metric always improves "
                  "on it."},
    {"warmup-off-by-one", "the warm-up is off by one epoch: epoch e < W uses (e + 1) / W of "
                          "the rate (epoch 0: lr / W, epoch W - 1: the full rate), and the "
                          "cosine starts at epoch W."},
    {"cosine-wrong-period", "the cosine runs over the wrong epochs: it starts at epoch W and "
                            "reaches min_lr at epoch T, so its argument is pi * (e - W) / "
                            "(T - W)."},
    {"no-floor-after-total", "after epoch T the rate stays at min_lr; yours keeps following "
                             "the cosine (which climbs back up)."},
    {"warmup-ignores-min-lr", "the cosine must end at min_lr: factor = m + (1 - m) * (1 + "
                              "cos(...)) / 2 with m = min_lr / lr."},
    {"loss-differs", "the rates are right but the losses differ: your scheduler must only set "
                     "the rate (base.lr), not change anything else, and step must not depend "
                     "on how often it is called beyond one call per epoch."},
    {"differs", "your rate differs from torch's (a public check shows from which epoch; a "
                "hidden one does not): compare your step with the rule in the comment above "
                "it, epoch by epoch (make run LESSON=3.2 ARGS='--schedule NAME --csv' prints "
                "your rates)."},
    {"crash-signal", "your code crashed (the signal is named above): look for a pointer cast "
                     "to the wrong struct, an array index past its end, or a division by "
                     "zero in integer arithmetic. Run it under the sanitizers: make check "
                     "LESSON=3.2 SANITIZE=1."},
    {"timeout", "your code did not finish in time: look for a loop whose condition never "
                "changes (a step function needs no loop at all)."},
    {"exit-called", "your code called exit() (or returned from main): a scheduler must "
                    "return to its caller, never end the program."},
    {"memory-error", "your code read or wrote memory it does not own, or did arithmetic C "
                     "leaves undefined (the kind and line are named above): look for an array "
                     "index past its end or a pointer cast to the wrong struct there."},
    {"output-flood", "your code wrote far more output than the trace can hold: remove the "
                     "printing loop (debugging output goes to stderr, and a little is fine)."},
    {"bad-trace", "the runner's output was not a trace: code outside the schedulers (a "
                  "constructor, or a write to file descriptor 1) printed into it."},
    {"grader-error", "the grader could not run your code: this is not your fault; tell your "
                     "instructor."},
    {"skipped", "not run: an earlier test of this scheduler timed out, so this one would "
                "too."},
};

const Hint *hint_find(const char *id)
{
    for (size_t i = 0; i < sizeof HINTS / sizeof HINTS[0]; i++)
        if (strcmp(HINTS[i].id, id) == 0)
            return &HINTS[i];
    return hint_find("differs");
}

/* ------------------------------------------------------------------------
 * The classifier
 * ------------------------------------------------------------------------ */

static bool all_within(const double *expected, const double *got, int from, int to, int shift,
                       Tolerance t)
{
    for (int e = from; e < to; e++)
        if (!within(expected[e + shift], got[e], t))
            return false;
    return true;
}

static int first_change(const double *v, int n, Tolerance t)
{
    for (int e = 1; e < n; e++)
        if (!within(v[e - 1], v[e], t))
            return e;
    return -1;
}

static Diagnosis diag(const char *id, int epoch)
{
    Diagnosis d = {hint_find(id), NULL, epoch};
    return d;
}

Diagnosis classify(const SchedSettings *s, const double *expected, const double *got, int n,
                   const Golden *golden, int case_index)
{
    Tolerance t = lr_tolerance(s);
    int first = 0;
    while (first < n && within(expected[first], got[first], t))
        first++;
    if (first == n)
        return diag("differs", 0);   /* not called for equal sequences */

    /* Impossible values first: they explain everything after them. */
    for (int e = 0; e < n; e++) {
        if (!isfinite(got[e]))
            return diag("not-finite", e);
        if (got[e] < 0)
            return diag("negative-lr", e);
    }
    /* A known mistake that reproduces the whole sequence names itself. */
    if (golden && case_index >= 0) {
        Diagnosis d = {NULL, NULL, first};
        for (int i = 0; i < golden->nmistakes; i++) {
            const Mistake *m = &golden->mistakes[i];
            if (m->case_index != case_index || m->n != n || !all_within(m->lr, got, 0, n, 0, t))
                continue;
            const Hint *h = hint_find(m->hint);
            if (!d.hint)
                d.hint = h;
            else if (h != d.hint && !d.also)
                d.also = h;
        }
        if (d.hint)
            return d;
    }

    /* A rate right at first and 0 later was set by init and zeroed by
     * step: blaming init would tell the student to do what it already does. */
    if (s->kind == SCHED_WARMUP_COSINE && s->warmup > 1 && s->warmup < n && first == 0) {
        /* 0 through the ramp and right where (e + 1) / W is 1: integer division. */
        bool int_ramp = within(expected[s->warmup - 1], got[s->warmup - 1], t);
        for (int e = 0; e < s->warmup - 1 && int_ramp; e++)
            int_ramp = got[e] == 0;
        if (int_ramp)
            return diag("warmup-integer-division", 0);
    }
    if (got[first] == 0 && expected[first] != 0)
        return diag(first == 0 ? "lr-zero" : "lr-becomes-zero", first);
    if (first == 0) {
        if (n > 1 && !within(expected[0], expected[1], t) && within(expected[1], got[0], t))
            return diag("decays-at-epoch-0", 0);
        /* The warm-up's epoch 0 is not the rate passed in: its advice differs. */
        if (s->kind == SCHED_WARMUP_COSINE && s->warmup > 0 && within(s->lr, got[0], t))
            return diag("warmup-starts-at-full-rate", 0);
        return diag("wrong-start", 0);
    }
    int got_change = first_change(got, n, t), expected_change = first_change(expected, n, t);
    if (got_change < 0 && expected_change >= 0)
        return diag("lr-never-changes", first);
    /* One epoch ahead or behind is a counter's mistake; a plateau decides
     * from the metrics (its early or late reductions are below). */
    if (s->kind != SCHED_PLATEAU && first < n - 1 && all_within(expected, got, first, n - 1, 1, t))
        return diag("decays-early", first);
    if (s->kind != SCHED_PLATEAU && all_within(expected, got, first, n, -1, t))
        return diag("decays-late", first);

    if (s->kind == SCHED_PLATEAU) {
        for (int e = 0; e < n; e++)
            if (got[e] < s->plateau.min_lr * (1 - t.rtol))
                return diag("ignores-min-lr", e);
        if (expected_change < 0 || (got_change >= 0 && got_change < expected_change))
            return diag("reduces-early", got_change);
        if (got_change < 0 || got_change > expected_change)
            return diag("reduces-late", expected_change);
    }

    /* Same epochs of change, different amounts. */
    bool same_epochs = true;
    for (int e = 1; e < n && same_epochs; e++)
        same_epochs = within(expected[e - 1], expected[e], t) == within(got[e - 1], got[e], t);
    if (same_epochs)
        return diag("wrong-factor", first);
    return diag("differs", first);
}
