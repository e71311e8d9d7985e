/* schedule_factory.h: any of the lesson's schedulers, built by name and settings.
 *
 * The lesson program (main.c) and the graders (tests/3.2) both need "the
 * scheduler called NAME with these settings" without knowing which one at
 * compile time; this is their one way of building it:
 *
 *     SchedSettings s = {.kind = sched_kind_from_name("step"), .lr = 0.1,
 *                        .step_size = 50, .gamma = 0.1};
 *     SchedStorage storage;
 *     Scheduler *sched = sched_build(&storage, &s);   // points into storage
 *
 * Part of the kit, like schedulers.h: it only calls the *_init functions a
 * student writes in schedulers.c.
 */
#ifndef LESSON_SCHEDULE_FACTORY_H
#define LESSON_SCHEDULE_FACTORY_H

#include "schedulers.h"

typedef enum { SCHED_CONSTANT, SCHED_STEP, SCHED_EXPONENTIAL, SCHED_PLATEAU,
               SCHED_WARMUP_COSINE, SCHED_KINDS } SchedKind;

/* The names the lesson program's --schedule and the golden data use,
 * indexed by SchedKind. */
extern const char *const SCHED_NAMES[SCHED_KINDS];

/* SCHED_KINDS when the name is unknown. */
SchedKind sched_kind_from_name(const char *name);

/* A scheduler's settings: everything needed to build one. Each kind reads
 * only its own fields (warmup_cosine takes its min_lr from plateau.min_lr). */
typedef struct {
    SchedKind kind;
    double lr;
    int step_size;          /* step */
    double gamma;           /* step, exponential */
    PlateauOptions plateau; /* plateau */
    int warmup, total;      /* warmup_cosine */
} SchedSettings;

/* Room for any of the five schedulers; the one in use is reached via the
 * Scheduler * that sched_build returns. */
typedef union {
    ConstantScheduler constant;
    StepScheduler step;
    ExponentialScheduler exponential;
    PlateauScheduler plateau;
    WarmupCosineScheduler warmup_cosine;
} SchedStorage;

/* Initialises the scheduler s describes inside storage and returns its base. */
Scheduler *sched_build(SchedStorage *storage, const SchedSettings *s);

/* The five *_init functions of one implementation of schedulers.h. The
 * instructor's grader links the reference too, renamed ref_*_init, and
 * builds its schedulers with sched_build_with(&its_table, ...). */
typedef struct {
    void (*constant)(ConstantScheduler *s, double lr);
    void (*step)(StepScheduler *s, double lr, int step_size, double gamma);
    void (*exponential)(ExponentialScheduler *s, double lr, double gamma);
    void (*plateau)(PlateauScheduler *s, double lr, const PlateauOptions *opt);
    void (*warmup_cosine)(WarmupCosineScheduler *s, double lr, int warmup, int total,
                          double min_lr);
} SchedInits;

/* sched_build with the given implementation's init functions. */
Scheduler *sched_build_with(const SchedInits *inits, SchedStorage *storage,
                            const SchedSettings *s);

#endif
