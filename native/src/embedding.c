/*
 * Embedding bag (sum of `bag` table rows per position, optionally scaled per position) and its scatter-add
 * backward. Forward splits positions over threads; backward splits the embedding columns instead, so that two
 * threads never add into the same table entry even when positions share ids (no atomics, deterministic).
 */
#include "kernels.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define PARALLEL_MIN 65536

void sidrec_embedding_bag_forward(const float *table, int dim, const int32_t *ids, int bag, int64_t positions,
                                  const float *weights, float *out) {
#pragma omp parallel for schedule(static) if (positions * bag * dim >= PARALLEL_MIN)
  for (int64_t p = 0; p < positions; p++) {
    float *dst = out + p * dim;
    for (int j = 0; j < dim; j++) dst[j] = 0;
    for (int b = 0; b < bag; b++) {
      const int32_t id = ids[p * bag + b];
      if (id < 0) continue;
      const float *src = table + (int64_t)id * dim;
#pragma omp simd
      for (int j = 0; j < dim; j++) dst[j] += src[j];
    }
    if (weights && weights[p] != 1.0f) {
      const float w = weights[p];
#pragma omp simd
      for (int j = 0; j < dim; j++) dst[j] *= w;
    }
  }
}

void sidrec_embedding_bag_backward(float *dtable, int dim, const int32_t *ids, int bag, int64_t positions,
                                   const float *weights, const float *dout) {
#pragma omp parallel if (positions * bag * dim >= PARALLEL_MIN)
  {
    int lo = 0, hi = dim;
#ifdef _OPENMP
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    lo = (int)((int64_t)dim * t / nt), hi = (int)((int64_t)dim * (t + 1) / nt);
#endif
    for (int64_t p = 0; p < positions; p++) {
      const float w = weights ? weights[p] : 1.0f;
      const float *src = dout + p * dim;
      for (int b = 0; b < bag; b++) {
        const int32_t id = ids[p * bag + b];
        if (id < 0) continue;
        float *dst = dtable + (int64_t)id * dim;
#pragma omp simd
        for (int j = lo; j < hi; j++) dst[j] += w * src[j];
      }
    }
  }
}
