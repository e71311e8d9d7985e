/* sgd.h: torch.optim.SGD, the update theta <- theta - lr * grad.
 *
 * The learning rate is not stored here: the training loop passes the rate
 * that the scheduler chose for this epoch to every update.
 *
 * Exactly torch 1.13's single-tensor SGD (no weight decay, dampening 0, no
 * Nesterov) on float32 parameters, as its AVX2 kernels compute it:
 *   momentum 0:  p = fmaf((float)(-lr), g, p)          one fused multiply-add
 *   momentum m:  first step  buf = g
 *                later steps buf = (m_f * buf) + g      m_f = (float)m, each op rounded
 *                then        p = fmaf((float)(-lr), buf, p)
 */
#ifndef KIT_SGD_H
#define KIT_SGD_H

/* One parameter tensor with its gradient and (for momentum) its buffer. */
typedef struct {
    float *param;
    const float *grad;
    float *velocity;  /* momentum buffer (n floats), NULL when momentum is 0 */
    int n;
} SgdParam;

enum { SGD_MAX_PARAMS = 8 };

typedef struct {
    double momentum;      /* 0: plain SGD, exactly torch's default */
    int steps;            /* updates so far; the first one starts the buffers */
    int count;
    SgdParam params[SGD_MAX_PARAMS];
} Sgd;

void sgd_init(Sgd *opt, double momentum);
/* Registers n floats of param, updated from grad (and allocates its momentum
 * buffer when momentum is not 0). Returns 0, or -1 when SGD_MAX_PARAMS
 * tensors are already registered or memory ran out. */
int sgd_add_param(Sgd *opt, float *param, const float *grad, int n);
/* One update of every registered tensor with this learning rate (see the
 * formulas above). */
void sgd_step(Sgd *opt, double lr);
/* Frees the momentum buffers; the parameters belong to the model. */
void sgd_free(Sgd *opt);

#endif
