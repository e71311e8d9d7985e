/* sgd.h: torch.optim.SGD, the update theta <- theta - lr * grad.
 *
 * The learning rate is not stored here: the training loop passes the rate
 * that the scheduler chose for this epoch to every update.
 */
#ifndef KIT_SGD_H
#define KIT_SGD_H

/* One parameter tensor with its gradient and (for momentum) its buffer. */
typedef struct {
    float *param;
    const float *grad;
    float *velocity;  /* momentum buffer, NULL until the first step */
    int n;
} SgdParam;

typedef struct {
    double momentum;      /* 0: plain SGD, exactly torch's default */
    int count;
    SgdParam params[8];
} Sgd;

void sgd_init(Sgd *opt, double momentum);
void sgd_add_param(Sgd *opt, float *param, const float *grad, int n);
/* p += (float)(-lr) * g, fused as torch's AVX2 kernel fuses it; with momentum
 * buf = momentum * buf + g (buf = g on the first step), then p += -lr * buf. */
void sgd_step(Sgd *opt, double lr);
void sgd_free(Sgd *opt);

#endif
