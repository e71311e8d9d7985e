/* schedulers.h: the lesson's five learning-rate schedulers.
 *
 * Each scheduler is a struct whose first member is a Scheduler (common/sched.h),
 * so the training loop can hold any of them as a Scheduler *:
 *
 *     StepScheduler s;
 *     step_decay_init(&s, 0.1, 50, 0.1);
 *     train(&model, &data, NULL, &s.base, &cfg, &g, &curve);
 *
 * The protocol is PyTorch's (docs/pytorch-semantics.md, section 1.1):
 *   - *_init sets base.lr to the rate of epoch 0;
 *   - at the end of epoch e the loop calls base.step(&s.base, metric), which
 *     must leave in base.lr the rate of epoch e + 1.
 * So "the rate used in epoch e" is the value after e calls of step.
 *
 * You implement the parts marked TODO in schedulers.c; this header is part of
 * the kit and is the same for everybody (the graders always use this copy).
 */
#ifndef LESSON_SCHEDULERS_H
#define LESSON_SCHEDULERS_H

#include "sched.h"

/* No schedule: every epoch uses the initial rate. */
typedef struct {
    Scheduler base;
} ConstantScheduler;

/* torch.optim.lr_scheduler.StepLR(step_size, gamma):
 * lr(e) = initial_lr * gamma^floor(e / step_size). */
typedef struct {
    Scheduler base;
    int step_size;     /* epochs between two decays, >= 1 */
    double gamma;      /* multiplier applied at each decay, > 0 */
    int last_epoch;    /* torch's last_epoch: the epoch whose rate base.lr holds */
} StepScheduler;

/* torch.optim.lr_scheduler.ExponentialLR(gamma): lr(e) = initial_lr * gamma^e. */
typedef struct {
    Scheduler base;
    double gamma;      /* multiplier applied after every epoch, > 0 */
    int last_epoch;
} ExponentialScheduler;

typedef enum { PLATEAU_MIN, PLATEAU_MAX } PlateauMode;
typedef enum { THRESHOLD_REL, THRESHOLD_ABS } ThresholdMode;

/* The options of torch.optim.lr_scheduler.ReduceLROnPlateau, with torch's
 * names. torch's defaults: min, 0.1, 10, 1e-4, rel, 0, 0, 1e-8 (the lesson
 * program's defaults are the post's: factor 0.5). */
typedef struct {
    PlateauMode mode;           /* min: lower metric is better; max: higher is */
    double factor;              /* new lr = lr * factor, 0 < factor < 1 */
    int patience;               /* bad epochs tolerated before reducing */
    double threshold;           /* how much better counts as an improvement */
    ThresholdMode threshold_mode;
    int cooldown;               /* epochs to wait after a reduction */
    double min_lr;              /* the rate never goes below this */
    double eps;                 /* changes of at most eps are skipped */
} PlateauOptions;

/* torch.optim.lr_scheduler.ReduceLROnPlateau: cut the rate when the metric
 * has stopped improving. The state fields are torch's. */
typedef struct {
    Scheduler base;
    PlateauOptions opt;
    double best;                /* best metric so far (+inf / -inf at start) */
    int num_bad_epochs;         /* epochs since best last improved */
    int cooldown_counter;       /* epochs of cooldown left */
    int last_epoch;
} PlateauScheduler;

/* Bonus: linear warm-up then cosine decay (the schedule of large language
 * models). With W = warmup, T = total, m = min_lr / initial_lr:
 *   lr(e) = initial_lr * (e + 1) / W                             e < W
 *   lr(e) = initial_lr * (m + (1 - m) * (1 + cos(pi * (e - W) / (T - W))) / 2)
 *                                                                W <= e < T
 *   lr(e) = initial_lr * m                                       e >= T
 * which is torch.optim.lr_scheduler.LambdaLR with that factor. */
typedef struct {
    Scheduler base;
    int warmup;                 /* W >= 0 */
    int total;                  /* T > W */
    double min_lr;
    int last_epoch;
} WarmupCosineScheduler;

void constant_init(ConstantScheduler *s, double lr);
void step_decay_init(StepScheduler *s, double lr, int step_size, double gamma);
void exponential_init(ExponentialScheduler *s, double lr, double gamma);
void plateau_init(PlateauScheduler *s, double lr, const PlateauOptions *opt);
void warmup_cosine_init(WarmupCosineScheduler *s, double lr, int warmup, int total,
                        double min_lr);

#endif
