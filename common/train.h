/* train.h: the training loop, the same loop as the post's PyTorch code.
 *
 *   for epoch in range(epochs):
 *       lr_used = sched.lr
 *       for each batch:                      (one batch: full-batch training)
 *           zero_grad; loss = mse(model(x), y); backward; sgd step with lr_used
 *       record (epoch, lr_used, loss before the update, validation loss)
 *       sched.step(metric)
 *
 * With mini-batches the recorded loss is the mean of the batch losses (each
 * computed before its update), and each epoch visits the training set in the
 * order of torch.randperm(n) drawn from the run's generator.
 */
#ifndef KIT_TRAIN_H
#define KIT_TRAIN_H

#include "curve.h"
#include "data.h"
#include "model.h"
#include "rng.h"
#include "sched.h"

typedef enum { MODEL_LINEAR, MODEL_MLP } ModelKind;

/* Either model, behind the three verbs the loop needs. */
typedef struct {
    ModelKind kind;
    Linear linear;
    Mlp mlp;
} Model;

void model_init_linear(Model *m, Generator *g, int in, int out);
void model_init_mlp(Model *m, Generator *g, int in, int width, int out);
void model_forward(Model *m, float *out, const float *x, int n);
void model_free(Model *m);

/* Which number the loop hands to sched->step at the end of each epoch. */
typedef enum { METRIC_TRAIN_LOSS, METRIC_VAL_LOSS } Metric;

typedef struct {
    int epochs;
    int batch_size;      /* 0 or >= n: full batch, the post's setting */
    double momentum;     /* 0: plain SGD */
    Metric metric;       /* METRIC_VAL_LOSS needs a validation set */
} TrainConfig;

/* Trains m on train (and evaluates on val, which may be NULL) with the rates
 * that sched chooses; fills curve with one row per epoch. g supplies the
 * mini-batch orders. Returns 0, or -1 if memory ran out. */
int train(Model *m, const Dataset *train, const Dataset *val, Scheduler *sched,
          const TrainConfig *cfg, Generator *g, Curve *curve);

#endif
