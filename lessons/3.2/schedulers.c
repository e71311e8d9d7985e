/* schedulers.c: your learning-rate schedulers (lesson 3.2). Fill in every
 * TODO, in order; schedulers.h states the rules. The numbers must be
 * PyTorch's: multiply the current rate step by step, as torch does, and
 * compare with the same strict < and >. `make check` grades this file. */
#include "schedulers.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Constant: no schedule (the post, section "Mathematical foundations").
 * lr(e) = lr(0) for every epoch e: init stores the rate, step keeps it.
 * ------------------------------------------------------------------------ */

// [listing constant]
static void constant_step(Scheduler *self, double metric)
{
    (void)self;
    (void)metric;   /* nothing changes: the rate of the next epoch is this one */
}

void constant_init(ConstantScheduler *s, double lr)
{
    memset(s, 0, sizeof *s);
    sched_base_init(&s->base, "constant", lr, constant_step);
    /* The rate of epoch 0 (the post, section "Mathematical foundations"). */
    // BEGIN SOLUTION
    s->base.lr = 0.0;   /* TODO: epoch 0 uses the rate passed in, lr. */
    // END SOLUTION
}
// [/listing]

/* ------------------------------------------------------------------------
 * Step decay, torch's StepLR (the post, section "Step decay").
 *   lr(e) = lr(0) * gamma^floor(e / step_size)
 * computed the way torch computes it: step increments last_epoch, and when
 * the new last_epoch is a multiple of step_size it multiplies the current
 * rate by gamma. Epoch 0 never decays; with step_size 50 the first decayed
 * epoch is 50.
 * ------------------------------------------------------------------------ */

// [listing step-decay]
static void step_decay_step(Scheduler *self, double metric)
{
    StepScheduler *s = (StepScheduler *)self;
    (void)metric;   /* StepLR does not look at the loss */
    // BEGIN SOLUTION
    /* TODO: implement StepLR's step (see the comment above this function).
     * Count the epoch in s->last_epoch, and when the new epoch is a multiple
     * of s->step_size multiply self->lr by s->gamma. */
    (void)s;
    // END SOLUTION
}
// [/listing]

// [listing step-decay-init]
void step_decay_init(StepScheduler *s, double lr, int step_size, double gamma)
{
    memset(s, 0, sizeof *s);
    sched_base_init(&s->base, "step", lr, step_decay_step);
    s->step_size = step_size;
    s->gamma = gamma;
    s->last_epoch = 0;
    /* The rate of epoch 0. */
    // BEGIN SOLUTION
    s->base.lr = 0.0;   /* TODO: epoch 0 uses the rate passed in, lr. */
    // END SOLUTION
}
// [/listing]

/* ------------------------------------------------------------------------
 * Exponential decay, torch's ExponentialLR (the post, section
 * "Exponential decay").
 *   lr(e) = lr(0) * gamma^e
 * computed as torch does: every step multiplies the current rate by gamma
 * (e multiplications, not one pow: the last bits differ).
 * ------------------------------------------------------------------------ */

// [listing exponential]
static void exponential_step(Scheduler *self, double metric)
{
    ExponentialScheduler *s = (ExponentialScheduler *)self;
    (void)metric;
    // BEGIN SOLUTION
    /* TODO: implement ExponentialLR's step: count the epoch in s->last_epoch
     * and multiply self->lr by s->gamma. */
    (void)s;
    // END SOLUTION
}
// [/listing]

// [listing exponential-init]
void exponential_init(ExponentialScheduler *s, double lr, double gamma)
{
    memset(s, 0, sizeof *s);
    sched_base_init(&s->base, "exponential", lr, exponential_step);
    s->gamma = gamma;
    s->last_epoch = 0;
    /* The rate of epoch 0. */
    // BEGIN SOLUTION
    s->base.lr = 0.0;   /* TODO: epoch 0 uses the rate passed in, lr. */
    // END SOLUTION
}
// [/listing]

/* ------------------------------------------------------------------------
 * Reduce on plateau, torch's ReduceLROnPlateau (the post, section
 * "Reduce on plateau").
 *
 * Is a metric better than the best so far? Strictly, and measured from
 * best, never from the previous epoch:
 *   min, rel:  metric < best * (1 - threshold)
 *   min, abs:  metric < best - threshold
 *   max, rel:  metric > best * (threshold + 1)
 *   max, abs:  metric > best + threshold
 * ------------------------------------------------------------------------ */

// [listing plateau-better]
static int plateau_is_better(const PlateauScheduler *s, double metric)
{
    const PlateauOptions *o = &s->opt;
    // BEGIN SOLUTION
    /* TODO: return 1 when metric is better than s->best by more than the
     * threshold (the four cases above: o->mode, o->threshold_mode,
     * o->threshold), 0 otherwise. */
    (void)s;
    (void)o;
    (void)metric;
    return 0;
    // END SOLUTION
}
// [/listing]

/* One step with this epoch's metric, in torch's order:
 *   1. better? best = metric and num_bad_epochs = 0; else num_bad_epochs += 1
 *   2. in cooldown (cooldown_counter > 0)? cooldown_counter -= 1 and
 *      num_bad_epochs = 0 (bad epochs during cooldown do not count)
 *   3. num_bad_epochs > patience (strictly)? new = max(lr * factor, min_lr);
 *      change lr only if lr - new > eps; then, changed or not,
 *      cooldown_counter = cooldown and num_bad_epochs = 0.
 */
// [listing plateau]
static void plateau_step(Scheduler *self, double metric)
{
    PlateauScheduler *s = (PlateauScheduler *)self;
    const PlateauOptions *o = &s->opt;
    // BEGIN SOLUTION
    /* TODO: the three parts above, using plateau_is_better(s, metric),
     * s->best, s->num_bad_epochs, s->cooldown_counter and the options in o. */
    (void)plateau_is_better;
    (void)s;
    (void)o;
    (void)metric;
    // END SOLUTION
}
// [/listing]

// [listing plateau-init]
void plateau_init(PlateauScheduler *s, double lr, const PlateauOptions *opt)
{
    memset(s, 0, sizeof *s);
    sched_base_init(&s->base, "plateau", lr, plateau_step);
    s->opt = *opt;
    s->num_bad_epochs = 0;
    s->cooldown_counter = 0;
    s->last_epoch = 0;
    /* The rate of epoch 0, and best before any metric was seen: the worst
     * possible value for the mode (+infinity for min, -infinity for max). */
    // BEGIN SOLUTION
    s->base.lr = 0.0;   /* TODO: epoch 0 uses the rate passed in, lr. */
    s->best = 0.0;      /* TODO: +INFINITY in min mode, -INFINITY in max mode. */
    // END SOLUTION
}
// [/listing]

/* ------------------------------------------------------------------------
 * Bonus (optional, extra credit): linear warm-up then cosine decay (the
 * post, section "Warm-up and cosine decay"). torch's LambdaLR: the rate of
 * epoch e is lr(0) * factor(e), with W = warmup, T = total and
 * m = min_lr / lr(0):
 *   factor(e) = (e + 1) / W                                         e < W
 *   factor(e) = m + (1 - m) * (1 + cos(pi * (e - W) / (T - W))) / 2  W <= e < T
 *   factor(e) = m                                                   e >= T
 * ------------------------------------------------------------------------ */

// [listing warmup-cosine]
static double warmup_cosine_factor(const WarmupCosineScheduler *s, int e)
{
    const double pi = 3.14159265358979323846;
    // BEGIN SOLUTION
    /* TODO (bonus): return factor(e) from the formula above. */
    (void)s;
    (void)e;
    (void)pi;
    return 0.0;
    // END SOLUTION
}

static void warmup_cosine_step(Scheduler *self, double metric)
{
    WarmupCosineScheduler *s = (WarmupCosineScheduler *)self;
    (void)metric;
    // BEGIN SOLUTION
    /* TODO (bonus): count the epoch in s->last_epoch and set self->lr to
     * self->initial_lr * warmup_cosine_factor(s, s->last_epoch). */
    (void)warmup_cosine_factor;
    (void)s;
    // END SOLUTION
}
// [/listing]

// [listing warmup-cosine-init]
void warmup_cosine_init(WarmupCosineScheduler *s, double lr, int warmup, int total,
                        double min_lr)
{
    memset(s, 0, sizeof *s);
    sched_base_init(&s->base, "warmup_cosine", lr, warmup_cosine_step);
    s->warmup = warmup;
    s->total = total;
    s->min_lr = min_lr;
    s->last_epoch = 0;
    /* The rate of epoch 0. */
    // BEGIN SOLUTION
    s->base.lr = 0.0;   /* TODO (bonus): lr * factor(0). */
    // END SOLUTION
}
// [/listing]
