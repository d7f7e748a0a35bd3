/*
 * Training-loop kernels: row layer norm forward / backward and the fused Adam(W) update. Row loops go to OpenMP
 * threads when large; layer norm's dgamma / dbeta are reduced through per-thread partial sums so that threads
 * never write the same column. Semantics match src/tensor/kernels/plain.ts (dx, dgamma, dbeta accumulate).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

#define PARALLEL_MIN 65536

void sidrec_layer_norm_forward(const float *x, const float *gamma, const float *beta, float *out, float *mean,
                               float *rstd, int64_t rows, int cols, float eps) {
#pragma omp parallel for schedule(static) if (rows * cols >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *yr = out + r * cols;
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < cols; j++) s += xr[j];
    const float mu = s / cols;
    float ss = 0;
#pragma omp simd reduction(+ : ss)
    for (int j = 0; j < cols; j++) ss += (xr[j] - mu) * (xr[j] - mu);
    const float rs = 1.0f / sqrtf(ss / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
#pragma omp simd
    for (int j = 0; j < cols; j++) yr[j] = (xr[j] - mu) * rs * gamma[j] + beta[j];
  }
}

void sidrec_layer_norm_backward(const float *x, const float *gamma, const float *mean, const float *rstd,
                                const float *dy, float *dx, float *dgamma, float *dbeta, int64_t rows, int cols) {
  const int want_params = dgamma || dbeta;
#pragma omp parallel if (rows * cols >= PARALLEL_MIN)
  {
    float *pg = want_params ? calloc((size_t)cols * 2, sizeof(float)) : NULL;
    float *pb = pg ? pg + cols : NULL;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; r++) {
      const float *xr = x + r * cols, *dyr = dy + r * cols;
      const float mu = mean[r], rs = rstd[r];
      float sum_d = 0, sum_dx = 0;
#pragma omp simd reduction(+ : sum_d, sum_dx)
      for (int j = 0; j < cols; j++) {
        const float xhat = (xr[j] - mu) * rs;
        const float d = dyr[j] * gamma[j];
        sum_d += d;
        sum_dx += d * xhat;
      }
      if (pg) {
#pragma omp simd
        for (int j = 0; j < cols; j++) {
          pg[j] += dyr[j] * (xr[j] - mu) * rs;
          pb[j] += dyr[j];
        }
      }
      if (!dx) continue;
      float *dxr = dx + r * cols;
      const float m_d = sum_d / cols, m_dx = sum_dx / cols;
#pragma omp simd
      for (int j = 0; j < cols; j++) dxr[j] += rs * (dyr[j] * gamma[j] - m_d - (xr[j] - mu) * rs * m_dx);
    }
    if (pg) {
#pragma omp critical
      for (int j = 0; j < cols; j++) {
        if (dgamma) dgamma[j] += pg[j];
        if (dbeta) dbeta[j] += pb[j];
      }
      free(pg);
    }
  }
}

void sidrec_adam_step(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
                      float eps, float weight_decay, float bias_correction1, float bias_correction2) {
  const float step = lr / bias_correction1, inv_bc2 = 1.0f / bias_correction2, decay = lr * weight_decay;
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t i = 0; i < n; i++) {
    const float g = grad[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * g;
    const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= step * mi / (sqrtf(vi * inv_bc2) + eps) + decay * param[i];
  }
}
