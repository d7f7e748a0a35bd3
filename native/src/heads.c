/*
 * RPG's residual projection heads (Hou et al., KDD 2025), the elementwise part around the GEMMs: for each row and
 * head, q = normalize(h + SiLU(p)) forward, and backward through the normalisation, the residual and SiLU.
 * Rows go to OpenMP threads; the per-head loops vectorise (omp simd + sidrec_expf). Also RPG's item scores: the
 * sum of m table entries per item (gather-sum). See types.ts for the contract.
 */
#include <math.h>
#include "fastexp.h"
#include "kernels.h"

#define PARALLEL_MIN 65536
#define NORM_EPS 1e-12f

void sidrec_residual_silu_normalize(const float *h, const float *p, float *s, float *q, float *inv, int64_t rows,
                                    int heads, int dim) {
#pragma omp parallel for schedule(static) if (rows * heads * dim >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    const float *hr = h + r * dim;
    for (int d = 0; d < heads; d++) {
      const int64_t base = (r * heads + d) * dim;
      float sumsq = 0;
#pragma omp simd reduction(+ : sumsq)
      for (int j = 0; j < dim; j++) {
        const float pj = p[base + j];
        const float sg = 1.0f / (1.0f + sidrec_expf(-pj));
        s[base + j] = sg;
        const float u = hr[j] + pj * sg;
        q[base + j] = u;
        sumsq += u * u;
      }
      const float norm = sqrtf(sumsq);
      const float iv = 1.0f / (norm > NORM_EPS ? norm : NORM_EPS);
      inv[r * heads + d] = iv;
#pragma omp simd
      for (int j = 0; j < dim; j++) q[base + j] *= iv;
    }
  }
}

void sidrec_residual_silu_normalize_backward(float *p, const float *s, const float *q, const float *inv, const float *dq,
                                             float *dh, int64_t rows, int heads, int dim) {
#pragma omp parallel for schedule(static) if (rows * heads * dim >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    float *dhr = dh ? dh + r * dim : 0;
    for (int d = 0; d < heads; d++) {
      const int64_t base = (r * heads + d) * dim;
      float dot = 0;
#pragma omp simd reduction(+ : dot)
      for (int j = 0; j < dim; j++) dot += q[base + j] * dq[base + j];
      const float iv = inv[r * heads + d];
      if (dhr) {
#pragma omp simd
        for (int j = 0; j < dim; j++) {
          const float du = (dq[base + j] - q[base + j] * dot) * iv;
          dhr[j] += du;
          const float sg = s[base + j];
          p[base + j] = du * sg * (1.0f + p[base + j] * (1.0f - sg));
        }
      } else {
#pragma omp simd
        for (int j = 0; j < dim; j++) {
          const float du = (dq[base + j] - q[base + j] * dot) * iv;
          const float sg = s[base + j];
          p[base + j] = du * sg * (1.0f + p[base + j] * (1.0f - sg));
        }
      }
    }
  }
}

void sidrec_gather_sum(const float *table, int64_t rows, int64_t row_len, const int32_t *ids, int64_t count, int bag,
                       float *out) {
#pragma omp parallel for collapse(2) schedule(static) if (rows * count * bag >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t i = 0; i < count; i++) {
      const float *row = table + r * row_len;
      const int32_t *id = ids + i * bag;
      float s = 0;
      for (int d = 0; d < bag; d++) s += row[id[d]];
      out[r * count + i] = s;
    }
  }
}
