/* schedule_factory.c: building a scheduler by kind (see schedule_factory.h). */
#include "schedule_factory.h"

#include <string.h>

const char *const SCHED_NAMES[SCHED_KINDS] = {"constant", "step", "exponential", "plateau",
                                              "warmup_cosine"};

SchedKind sched_kind_from_name(const char *name)
{
    for (int k = 0; k < SCHED_KINDS; k++)
        if (strcmp(name, SCHED_NAMES[k]) == 0)
            return (SchedKind)k;
    return SCHED_KINDS;
}

Scheduler *sched_build_with(const SchedInits *inits, SchedStorage *st, const SchedSettings *s)
{
    switch (s->kind) {
    case SCHED_CONSTANT:
        inits->constant(&st->constant, s->lr);
        return &st->constant.base;
    case SCHED_STEP:
        inits->step(&st->step, s->lr, s->step_size, s->gamma);
        return &st->step.base;
    case SCHED_EXPONENTIAL:
        inits->exponential(&st->exponential, s->lr, s->gamma);
        return &st->exponential.base;
    case SCHED_PLATEAU:
        inits->plateau(&st->plateau, s->lr, &s->plateau);
        return &st->plateau.base;
    case SCHED_WARMUP_COSINE:
    default:
        inits->warmup_cosine(&st->warmup_cosine, s->lr, s->warmup, s->total, s->plateau.min_lr);
        return &st->warmup_cosine.base;
    }
}
