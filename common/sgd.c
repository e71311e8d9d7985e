/* sgd.c: torch.optim.SGD's update, bit for bit (see sgd.h).
 *
 * torch/optim/sgd.py (1.13, foreach off) does, per parameter:
 *     if momentum != 0:
 *         buf = clone(grad) on the first step, else buf.mul_(momentum).add_(grad)
 *         grad = buf
 *     param.add_(grad, alpha=-lr)
 * add_ with alpha runs a kernel that the AVX2 build compiled into one fused
 * multiply-add, fma(alpha, grad, param), with alpha = -lr rounded to float.
 * mul_ and add_ of the momentum are two separate kernels: two roundings.
 */
#include "sgd.h"

#include <float.h>
#if FLT_EVAL_METHOD != 0
#error "this file needs FLT_EVAL_METHOD == 0: float arithmetic must round to float"
#endif

#include "fma_clones.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sgd_init(Sgd *opt, double momentum)
{
    memset(opt, 0, sizeof *opt);
    opt->momentum = momentum;
}

int sgd_add_param(Sgd *opt, float *param, const float *grad, int n)
{
    if (opt->count >= SGD_MAX_PARAMS) {
        return -1;
    }
    float *velocity = NULL;
    if (opt->momentum != 0.0) {
        velocity = calloc((size_t)(n > 0 ? n : 1), sizeof *velocity);
        if (velocity == NULL) {
            return -1;
        }
    }
    opt->params[opt->count++] = (SgdParam){ param, grad, velocity, n };
    return 0;
}

/* The momentum buffer after this step's gradient: torch creates it from the
 * first gradient (buf = grad), then keeps buf = momentum * buf + grad. */
static void update_velocity(SgdParam *p, float momentum, int first_step)
{
    for (int i = 0; i < p->n; i++) {
        if (first_step) {
            p->velocity[i] = p->grad[i];
        } else {
            const float decayed = momentum * p->velocity[i]; /* buf.mul_(momentum) */
            p->velocity[i] = decayed + p->grad[i];           /* .add_(grad) */
        }
    }
}

/* param.add_(direction, alpha=alpha): one fused multiply-add per value,
 * cloned for hardware FMA (fma_clones.h). */
KIT_FMA_CLONES
static void add_scaled(float *param, float alpha, const float *direction, int n)
{
    for (int i = 0; i < n; i++) {
        param[i] = fmaf(alpha, direction[i], param[i]);
    }
}

void sgd_step(Sgd *opt, double lr)
{
    const float alpha = (float)(-lr);
    for (int k = 0; k < opt->count; k++) {
        SgdParam *p = &opt->params[k];
        const float *direction = p->grad;
        if (p->velocity != NULL) {
            update_velocity(p, (float)opt->momentum, opt->steps == 0);
            direction = p->velocity;
        }
        add_scaled(p->param, alpha, direction, p->n);
    }
    opt->steps++;
}

void sgd_free(Sgd *opt)
{
    for (int k = 0; k < opt->count; k++) {
        free(opt->params[k].velocity);
        opt->params[k].velocity = NULL;
    }
}
