/* sched.h: what every learning-rate scheduler looks like to the training loop.
 *
 * A scheduler owns one number, the learning rate for the current epoch, and
 * one verb, step, which the loop calls at the end of every epoch to move the
 * rate to the next epoch's value. That is all of torch.optim.lr_scheduler's
 * contract that a training loop uses:
 *
 *     for epoch in range(epochs):
 *         lr = sched.lr                 # the rate used in this epoch
 *         ... forward, backward, optimizer step with lr ...
 *         sched.step(metric)            # metric: this epoch's loss
 *
 * A concrete scheduler (see lessons/3.2/schedulers.h) is a struct whose first
 * member is a Scheduler, so a pointer to it is a pointer to its Scheduler.
 */
#ifndef KIT_SCHED_H
#define KIT_SCHED_H

typedef struct Scheduler Scheduler;

// [listing scheduler]
struct Scheduler {
    const char *name;     /* "constant", "step", ...: used in tables and plots */
    double initial_lr;    /* the rate the schedule starts from (torch: base_lr) */
    double lr;            /* the rate to use in the current epoch */
    /* End of an epoch: update lr for the next epoch. metric is the value the
     * epoch measured (the loss); only reduce-on-plateau looks at it. */
    void (*step)(Scheduler *self, double metric);
};
// [/listing]

/* Fills in what every scheduler's init does the same way: its name, the
 * rate it starts from and its step function. base.lr is left alone: the
 * rate of epoch 0 is each scheduler's own business (schedulers.h). */
static inline void sched_base_init(Scheduler *base, const char *name, double initial_lr,
                                   void (*step)(Scheduler *self, double metric))
{
    base->name = name;
    base->initial_lr = initial_lr;
    base->step = step;
}

#endif
