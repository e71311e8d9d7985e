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

#include "avx2.h"
#include "fma_clones.h"
#include "kernels.h"

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

/* The momentum buffer's later steps: buf.mul_(momentum) then .add_(grad),
 * two kernels, two roundings. */
void sgd_momentum_scalar(float *velocity, float momentum, const float *grad, int n)
{
    for (int i = 0; i < n; i++) {
        const float decayed = momentum * velocity[i]; /* buf.mul_(momentum) */
        velocity[i] = decayed + grad[i];              /* .add_(grad) */
    }
}

/* param.add_(direction, alpha=alpha): one fused multiply-add per value,
 * cloned for hardware FMA (fma_clones.h). */
KIT_FMA_CLONES
void sgd_add_scaled_scalar(float *param, float alpha, const float *direction, int n)
{
    for (int i = 0; i < n; i++) {
        param[i] = fmaf(alpha, direction[i], param[i]);
    }
}

#if KIT_AVX2
/* Lanes: 8 consecutive values. */
KIT_AVX2_TARGET void sgd_momentum_avx2(float *velocity, float momentum, const float *grad, int n)
{
    const __m256 m = _mm256_set1_ps(momentum);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 decayed = m * _mm256_loadu_ps(velocity + i);
        _mm256_storeu_ps(velocity + i, decayed + _mm256_loadu_ps(grad + i));
    }
    sgd_momentum_scalar(velocity + i, momentum, grad + i, n - i);
}

/* Lanes: 8 consecutive values. */
KIT_AVX2_TARGET void sgd_add_scaled_avx2(float *param, float alpha, const float *direction, int n)
{
    const __m256 a = _mm256_set1_ps(alpha);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(param + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(direction + i), _mm256_loadu_ps(param + i)));
    }
    sgd_add_scaled_scalar(param + i, alpha, direction + i, n - i);
}
#endif

/* The momentum buffer after this step's gradient: torch creates it from the
 * first gradient (buf = grad), then keeps buf = momentum * buf + grad. */
static void update_velocity(SgdParam *p, float momentum, int first_step)
{
    if (first_step) {
        memcpy(p->velocity, p->grad, (size_t)p->n * sizeof *p->velocity);
        return;
    }
#if KIT_AVX2
    if (kit_avx2()) {
        sgd_momentum_avx2(p->velocity, momentum, p->grad, p->n);
        return;
    }
#endif
    sgd_momentum_scalar(p->velocity, momentum, p->grad, p->n);
}

static void add_scaled(float *param, float alpha, const float *direction, int n)
{
#if KIT_AVX2
    if (kit_avx2()) {
        sgd_add_scaled_avx2(param, alpha, direction, n);
        return;
    }
#endif
    sgd_add_scaled_scalar(param, alpha, direction, n);
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
