/* loss.h: mean squared error, nn.MSELoss() with reduction='mean'. */
#ifndef KIT_LOSS_H
#define KIT_LOSS_H

/* torch's sum of a contiguous float32 vector: the 8-lane cascade order of
 * its CPU sum kernel (semantics note 3), not a left-to-right loop. */
float torch_sum(const float *v, int n);

/* mean((pred - y)^2) over n values, summed in torch's order. */
float mse_forward(const float *pred, const float *y, int n);

/* dpred[i] = (2/n) * (pred[i] - y[i]), as MSELoss's backward computes it. */
void mse_backward(float *dpred, const float *pred, const float *y, int n);

#endif
