/* train.c: the training loop of the series, over either model (see train.h).
 *
 * One step is five explicit calls, in the order the reader knows from
 * PyTorch (and from llm.c): forward, loss, zero_grad, backward, update.
 */
#include "train.h"

#include "loss.h"

#include <stdlib.h>
#include <string.h>

// ----------------------------------------------------------------------------
// The model behind one interface

void model_init_linear(Model *m, Generator *g, int in, int out)
{
    memset(m, 0, sizeof *m);
    m->kind = MODEL_LINEAR;
    linear_init(&m->linear, g, in, out);
}

void model_init_mlp(Model *m, Generator *g, int in, int width, int out)
{
    memset(m, 0, sizeof *m);
    m->kind = MODEL_MLP;
    mlp_init(&m->mlp, g, in, width, out);
}

void model_forward(Model *m, float *out, const float *x, int n)
{
    if (m->kind == MODEL_LINEAR) {
        linear_forward(&m->linear, out, x, n);
    } else {
        mlp_forward(&m->mlp, out, x, n);
    }
}

void model_zero_grad(Model *m)
{
    if (m->kind == MODEL_LINEAR) {
        linear_zero_grad(&m->linear);
    } else {
        mlp_zero_grad(&m->mlp);
    }
}

void model_backward(Model *m, const float *dout, const float *x, int n)
{
    if (m->kind == MODEL_LINEAR) {
        linear_backward(&m->linear, NULL, dout, x, n);
    } else {
        mlp_backward(&m->mlp, dout, x, n);
    }
}

/* A layer's two tensors, weight then bias, as model.parameters() lists them. */
static int add_layer_params(Linear *layer, Sgd *opt)
{
    if (sgd_add_param(opt, layer->weight, layer->dweight, layer->in * layer->out) != 0) {
        return -1;
    }
    return sgd_add_param(opt, layer->bias, layer->dbias, layer->out);
}

int model_add_params(Model *m, Sgd *opt)
{
    if (m->kind == MODEL_LINEAR) {
        return add_layer_params(&m->linear, opt);
    }
    if (add_layer_params(&m->mlp.hidden, opt) != 0) {
        return -1;
    }
    return add_layer_params(&m->mlp.output, opt);
}

int model_inputs(const Model *m)
{
    return m->kind == MODEL_LINEAR ? m->linear.in : m->mlp.hidden.in;
}

int model_outputs(const Model *m)
{
    return m->kind == MODEL_LINEAR ? m->linear.out : m->mlp.output.out;
}

void model_free(Model *m)
{
    if (m->kind == MODEL_LINEAR) {
        linear_free(&m->linear);
    } else {
        mlp_free(&m->mlp);
    }
}

// ----------------------------------------------------------------------------
// The loop

/* Buffers for one pass: a mini-batch's rows, the model's output and the
 * gradient of the loss with respect to it, and this epoch's sample order. */
typedef struct {
    float *x, *y;         /* (batch, in), (batch, out): the gathered batch */
    float *pred, *dpred;  /* (rows, out) */
    int *perm;            /* (n_train) */
} Workspace;

static void workspace_free(Workspace *ws)
{
    free(ws->x);
    free(ws->y);
    free(ws->pred);
    free(ws->dpred);
    free(ws->perm);
}

static int workspace_alloc(Workspace *ws, int batch, int rows, int n_train, int in, int out)
{
    ws->x = malloc((size_t)batch * (size_t)in * sizeof *ws->x);
    ws->y = malloc((size_t)batch * (size_t)out * sizeof *ws->y);
    ws->pred = malloc((size_t)rows * (size_t)out * sizeof *ws->pred);
    ws->dpred = malloc((size_t)rows * (size_t)out * sizeof *ws->dpred);
    ws->perm = malloc((size_t)n_train * sizeof *ws->perm);
    if (!ws->x || !ws->y || !ws->pred || !ws->dpred || !ws->perm) {
        workspace_free(ws);
        return -1;
    }
    return 0;
}

/* dst row r = src row idx[r], for rows of `width` floats (torch: X[idx]). */
static void gather_rows(float *dst, const float *src, const int *idx, int count, int width)
{
    if (width == 1) { /* the lesson's data: one float a row, not a memcpy call each */
        for (int r = 0; r < count; r++) {
            dst[r] = src[idx[r]];
        }
        return;
    }
    for (int r = 0; r < count; r++) {
        memcpy(dst + (size_t)r * width, src + (size_t)idx[r] * width, (size_t)width * sizeof *dst);
    }
}

/* One optimisation step on one batch of n samples; returns the batch's loss,
 * computed before the update. */
// [listing train-step]
static float train_step(Model *m, Sgd *opt, double lr, const float *x, const float *y, int n,
                        Workspace *ws)
{
    const int values = n * model_outputs(m);
    model_forward(m, ws->pred, x, n);
    const float loss = mse_forward(ws->pred, y, values);
    model_zero_grad(m);
    mse_backward(ws->dpred, ws->pred, y, values);
    model_backward(m, ws->dpred, x, n);
    sgd_step(opt, lr);
    return loss;
}
// [/listing]

/* One epoch of mini-batches in a fresh random order; returns the mean of the
 * batch losses (added in double, left to right, as a Python loop does). */
static double train_epoch_batches(Model *m, Sgd *opt, double lr, const Dataset *data, int batch,
                                  Generator *g, Workspace *ws)
{
    rng_randperm(g, ws->perm, data->n);
    double loss_sum = 0.0;
    int batches = 0;
    for (int start = 0; start < data->n; start += batch) {
        const int count = data->n - start < batch ? data->n - start : batch;
        gather_rows(ws->x, data->x, ws->perm + start, count, data->in);
        gather_rows(ws->y, data->y, ws->perm + start, count, data->out);
        loss_sum += train_step(m, opt, lr, ws->x, ws->y, count, ws);
        batches++;
    }
    return loss_sum / batches;
}

/* The loss on a whole data set with the current weights (no update). */
static double evaluate(Model *m, const Dataset *data, Workspace *ws)
{
    model_forward(m, ws->pred, data->x, data->n);
    return mse_forward(ws->pred, data->y, data->n * data->out);
}

static bool fits(const Model *m, const Dataset *d)
{
    return d->in == model_inputs(m) && d->out == model_outputs(m);
}

int train(Model *m, const Dataset *train, const Dataset *val, Scheduler *sched,
          const TrainConfig *cfg, Generator *g, Curve *curve)
{
    const bool has_val = val != NULL && val->n > 0;
    curve_init(curve, has_val); /* a valid, empty curve on every return */
    if (cfg->epochs < 0 || cfg->batch_size < 0 || train->n <= 0 || !fits(m, train) ||
        (has_val && !fits(m, val)) || (cfg->metric == METRIC_VAL_LOSS && !has_val)) {
        return -2;
    }
    const bool full_batch = cfg->batch_size == 0 || cfg->batch_size >= train->n;
    const int batch = full_batch ? train->n : cfg->batch_size;
    const int rows = has_val && val->n > train->n ? val->n : train->n;

    Workspace ws = { 0 };
    Sgd opt;
    sgd_init(&opt, cfg->momentum);
    if (workspace_alloc(&ws, batch, rows, train->n, train->in, train->out) != 0 ||
        model_add_params(m, &opt) != 0) {
        sgd_free(&opt);
        workspace_free(&ws);
        return -1;
    }

    int status = 0;
    // [listing train-loop]
    for (int epoch = 0; epoch < cfg->epochs; epoch++) {
        const double lr = sched->lr; /* the rate of this whole epoch */
        double loss;
        if (full_batch) {
            loss = train_step(m, &opt, lr, train->x, train->y, train->n, &ws);
        } else {
            loss = train_epoch_batches(m, &opt, lr, train, batch, g, &ws);
        }
        const double val_loss = has_val ? evaluate(m, val, &ws) : 0.0;
        if (curve_append(curve, lr, loss, val_loss) != 0) {
            status = -1; /* out of memory */
            break;
        }
        sched->step(sched, cfg->metric == METRIC_VAL_LOSS ? val_loss : loss);
    }
    // [/listing]

    sgd_free(&opt);
    workspace_free(&ws);
    return status;
}
