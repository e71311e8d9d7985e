// attack: a CPU hog in step: every scheduler's step is a busy loop (its own complete schedulers.c) | expect: stub | base: none
#include "schedulers.h"

#include <string.h>

static void spin_step(Scheduler *self, double metric)
{
    (void)self;
    (void)metric;
    for (volatile unsigned long x = 0;; x++)
        continue;
}

void constant_init(ConstantScheduler *s, double lr)
{
    memset(s, 0, sizeof *s);
    s->base.name = "constant";
    s->base.initial_lr = lr;
    s->base.step = spin_step;
}

void step_decay_init(StepScheduler *s, double lr, int step_size, double gamma)
{
    memset(s, 0, sizeof *s);
    s->base.name = "step";
    s->base.initial_lr = lr;
    s->base.step = spin_step;
    s->step_size = step_size;
    s->gamma = gamma;
}

void exponential_init(ExponentialScheduler *s, double lr, double gamma)
{
    memset(s, 0, sizeof *s);
    s->base.name = "exponential";
    s->base.initial_lr = lr;
    s->base.step = spin_step;
    s->gamma = gamma;
}

void plateau_init(PlateauScheduler *s, double lr, const PlateauOptions *opt)
{
    memset(s, 0, sizeof *s);
    s->base.name = "plateau";
    s->base.initial_lr = lr;
    s->base.step = spin_step;
    s->opt = *opt;
}

void warmup_cosine_init(WarmupCosineScheduler *s, double lr, int warmup, int total, double min_lr)
{
    memset(s, 0, sizeof *s);
    s->base.name = "warmup_cosine";
    s->base.initial_lr = lr;
    s->base.step = spin_step;
    (void)warmup;
    (void)total;
    (void)min_lr;
}
