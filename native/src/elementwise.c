/*
 * Fused row and elementwise kernels: softmax cross-entropy (loss and gradient in two passes over each row),
 * GELU (tanh form) forward and backward, in-place row softmax, ReLU forward and backward, dropout with a counter-based mask. Rows / chunks go to OpenMP threads when the array
 * is large enough to repay the fork; the inner loops are written to vectorise (omp simd + sidrec_expf).
 */
#include <math.h>
#include "fastexp.h"
#include "kernels.h"

#define PARALLEL_MIN 65536
#define GELU_C 0.7978845608028654f
#define GELU_A 0.044715f

static inline float row_max(const float *x, int cols) {
  float m = -INFINITY;
#pragma omp simd reduction(max : m)
  for (int j = 0; j < cols; j++) m = x[j] > m ? x[j] : m;
  return m;
}

double sidrec_softmax_ce(const float *logits, int64_t rows, int cols, const int32_t *targets, float *grad, float scale) {
  double total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total) if (rows * cols >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    const float *x = logits + r * cols;
    float *g = grad ? grad + r * cols : 0;
    const int32_t t = targets[r];
    if (t < 0) {
      if (g)
        for (int j = 0; j < cols; j++) g[j] = 0;
      continue;
    }
    const float mx = row_max(x, cols);
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < cols; j++) sum += sidrec_expf(x[j] - mx);
    const float log_z = mx + logf(sum);
    total += (double)(log_z - x[t]);
    if (g) {
      /* read x[t] above before g (which may alias x) is written */
#pragma omp simd
      for (int j = 0; j < cols; j++) g[j] = scale * sidrec_expf(x[j] - log_z);
      g[t] -= scale;
    }
  }
  return total;
}

void sidrec_gelu(const float *x, float *out, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    out[i] = 0.5f * v * (1.0f + sidrec_tanhf(GELU_C * (v + GELU_A * v * v * v)));
  }
}

void sidrec_gelu_backward(const float *x, const float *dy, float *dx, int64_t n, int accumulate) {
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    const float t = sidrec_tanhf(GELU_C * (v + GELU_A * v * v * v));
    const float d = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * GELU_C * (1.0f + 3.0f * GELU_A * v * v);
    /* keep * dx[i] would turn a garbage NaN in dx into NaN when overwriting: select instead */
    const float prev = accumulate ? dx[i] : 0.0f;
    dx[i] = prev + dy[i] * d;
  }
}

void sidrec_softmax_rows(float *x, int64_t rows, int cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    float *row = x + r * cols;
    const float mx = row_max(row, cols);
    float sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < cols; j++) {
      const float e = sidrec_expf(row[j] - mx);
      row[j] = e;
      sum += e;
    }
    const float inv = 1.0f / sum;
#pragma omp simd
    for (int j = 0; j < cols; j++) row[j] *= inv;
  }
}

void sidrec_dropout(const float *x, float *out, float *mask, int64_t n, uint32_t seed, uint32_t threshold, float scale) {
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t i = 0; i < n; i++) {
    uint32_t h = seed + (uint32_t)i * 0x9e3779b9u; /* fmix32 of a Weyl sequence, as the plain kernel */
    h = (h ^ (h >> 16)) * 0x85ebca6bu;
    h = (h ^ (h >> 13)) * 0xc2b2ae35u;
    h ^= h >> 16;
    const float m = h >= threshold ? scale : 0.0f;
    mask[i] = m;
    out[i] = x[i] * m;
  }
}

void sidrec_relu(const float *x, float *out, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void sidrec_relu_backward(const float *x, const float *dy, float *dx, int64_t n, int accumulate) {
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t i = 0; i < n; i++) {
    const float g = x[i] > 0.0f ? dy[i] : 0.0f;
    dx[i] = accumulate ? dx[i] + g : g;
  }
}
