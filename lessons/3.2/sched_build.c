/* sched_build.c: schedule_factory.h's sched_build, with the schedulers of
 * schedulers.c (the student's, or the reference's).
 *
 * A file of its own because it is the one piece of the factory that names
 * the student's functions: the runner and the lesson program link it, the
 * judge (which never links student code) does not.
 */
#include "schedule_factory.h"

/* The functions of schedulers.c: the student's, or the reference's. */
static const SchedInits LESSON_INITS = {constant_init, step_decay_init, exponential_init,
                                        plateau_init, warmup_cosine_init};

Scheduler *sched_build(SchedStorage *st, const SchedSettings *s)
{
    return sched_build_with(&LESSON_INITS, st, s);
}
