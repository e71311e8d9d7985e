/* train.h: the training loop, the same loop as the post's PyTorch code.
 *
 *   for epoch in range(epochs):
 *       lr_used = sched.lr
 *       for each batch:                      (one batch: full-batch training)
 *           forward; loss = mse(pred, y); zero_grad; backward; sgd step with lr_used
 *       record (epoch, lr_used, loss, val_loss)
 *       sched.step(metric)
 *
 * What is recorded, exactly (tools/golden/train.py computes the same):
 *   loss      full batch: the batch loss, computed before the update.
 *             mini-batch: the mean of the batch losses (each computed before
 *             its own update): the float losses as doubles, added left to
 *             right in double, divided by the number of batches (a plain
 *             Python loop; note that Python 3.12's sum() compensates).
 *   val_loss  the MSE on the validation set with the weights at the END of
 *             the epoch (after all its updates); no validation set: none.
 *   metric    what sched->step receives: the recorded loss or val_loss.
 *
 * Mini-batches: each epoch draws perm = torch.randperm(n_train) from the
 * run's generator (after the model's initialisation); batch b holds the
 * samples perm[b*B], ..., perm[b*B + B - 1], the last batch the remainder.
 * Full batch (batch_size 0, or >= n_train) draws nothing and uses the
 * samples in order, as the reference program does.
 */
#ifndef KIT_TRAIN_H
#define KIT_TRAIN_H

#include "curve.h"
#include "data.h"
#include "model.h"
#include "rng.h"
#include "sched.h"
#include "sgd.h"

typedef enum { MODEL_LINEAR, MODEL_MLP } ModelKind;

/* Either model, behind the verbs the loop needs. */
typedef struct {
    ModelKind kind;
    Linear linear;
    Mlp mlp;
} Model;

void model_init_linear(Model *m, Generator *g, int in, int out);
void model_init_mlp(Model *m, Generator *g, int in, int width, int out);
void model_forward(Model *m, float *out, const float *x, int n);
void model_zero_grad(Model *m);
/* Backward of the last model_forward on x (n rows), given dloss/dout. */
void model_backward(Model *m, const float *dout, const float *x, int n);
/* Registers every parameter tensor with the optimizer (torch's
 * model.parameters() order): 0, or -1 (see sgd_add_param). */
int model_add_params(Model *m, Sgd *opt);
/* Inputs and outputs per sample. */
int model_inputs(const Model *m);
int model_outputs(const Model *m);
void model_free(Model *m);

/* Which number the loop hands to sched->step at the end of each epoch. */
typedef enum { METRIC_TRAIN_LOSS, METRIC_VAL_LOSS } Metric;

typedef struct {
    int epochs;
    int batch_size;      /* 0 or >= n: full batch, the post's setting */
    double momentum;     /* 0: plain SGD */
    Metric metric;       /* METRIC_VAL_LOSS needs a validation set */
} TrainConfig;

/* Trains m on train (and evaluates on val, which may be NULL or hold no
 * samples: no validation then) with the rates that sched chooses; fills curve
 * with one row per epoch (curve is initialised here, whatever the outcome:
 * pass a curve that holds no rows; it gets the val_loss column when val holds
 * samples). g supplies the mini-batch orders. Returns 0; -1 if memory ran out;
 * -2 if the configuration cannot work (negative epochs or batch size, an
 * empty training set, METRIC_VAL_LOSS without a validation set, or data
 * whose shape does not fit the model). */
int train(Model *m, const Dataset *train, const Dataset *val, Scheduler *sched,
          const TrainConfig *cfg, Generator *g, Curve *curve);

#endif
