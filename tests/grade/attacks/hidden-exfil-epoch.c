// attack: a hidden value leaked through the epoch of the first wrong rate: the reference's schedulers (wrapped), each rate right until epoch 1 + (hidden initial rate digits mod 9), then wrong, so that "differs from epoch N on" would tell the hidden rate (the hidden checks' messages must be the same whatever the seed); every check fails | expect: stub, hidden messages seed-free | base: reference
#include "schedulers.h"

typedef struct {
    Scheduler *sched;
    void (*step)(Scheduler *, double);
    int epoch, wrong_from;
} KitWrapped;

static KitWrapped kit_wrapped[64];
static int kit_wrapped_count;

static void kit_leaky_step(Scheduler *self, double metric)
{
    for (int i = 0; i < kit_wrapped_count; i++) {
        KitWrapped *w = &kit_wrapped[i];
        if (w->sched != self)
            continue;
        w->step(self, metric);
        if (++w->epoch == w->wrong_from)
            self->lr *= 1.5;
        return;
    }
}

static void kit_wrap(Scheduler *s)
{
    KitWrapped *w = &kit_wrapped[kit_wrapped_count++ % 64];
    w->sched = s;
    w->step = s->step;
    w->epoch = 0;
    w->wrong_from = 1 + (int)((unsigned long)(s->initial_lr * 1e9) % 9);
    s->step = kit_leaky_step;
}

void kit_ref_constant_init(ConstantScheduler *s, double lr);
void kit_ref_step_decay_init(StepScheduler *s, double lr, int step_size, double gamma);
void kit_ref_exponential_init(ExponentialScheduler *s, double lr, double gamma);
void kit_ref_plateau_init(PlateauScheduler *s, double lr, const PlateauOptions *opt);
void kit_ref_warmup_cosine_init(WarmupCosineScheduler *s, double lr, int warmup, int total, double min_lr);

void constant_init(ConstantScheduler *s, double lr)
{
    kit_ref_constant_init(s, lr);
    kit_wrap(&s->base);
}
void step_decay_init(StepScheduler *s, double lr, int step_size, double gamma)
{
    kit_ref_step_decay_init(s, lr, step_size, gamma);
    kit_wrap(&s->base);
}
void exponential_init(ExponentialScheduler *s, double lr, double gamma)
{
    kit_ref_exponential_init(s, lr, gamma);
    kit_wrap(&s->base);
}
void plateau_init(PlateauScheduler *s, double lr, const PlateauOptions *opt)
{
    kit_ref_plateau_init(s, lr, opt);
    kit_wrap(&s->base);
}
void warmup_cosine_init(WarmupCosineScheduler *s, double lr, int warmup, int total, double min_lr)
{
    kit_ref_warmup_cosine_init(s, lr, warmup, total, min_lr);
    kit_wrap(&s->base);
}

/* The reference follows: its definitions take the kit_ref_ names. */
#define constant_init kit_ref_constant_init
#define step_decay_init kit_ref_step_decay_init
#define exponential_init kit_ref_exponential_init
#define plateau_init kit_ref_plateau_init
#define warmup_cosine_init kit_ref_warmup_cosine_init
