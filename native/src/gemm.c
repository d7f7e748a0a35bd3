/*
 * GEMM through OpenBLAS's cblas_sgemm (row-major). Measured on the reference shapes (bench/kernels.ts):
 *  - a single row (m == 1, the decoder's per-step head) goes to sgemv, which avoids sgemm's packing overhead;
 *  - a batch of small products (attention's per-head T x T) is spread over OpenMP threads, each calling a
 *    single-threaded sgemm; transposed operands are first copied to a per-thread buffer because OpenBLAS's
 *    small-matrix path for transposed operands ran 3-4x slower than the plain one here;
 *  - large products go one by one and OpenBLAS threads each of them.
 */
#include <cblas.h>
#include <stdlib.h>
#include "kernels.h"

#define SMALL_GEMM_FLOPS (1 << 22)
#define SMALL_OPERAND (1 << 16)

/* dst (rows x cols, dense) = transpose of src (cols x rows, leading dimension ld). */
static void transpose_into(float *dst, const float *src, int rows, int cols, int ld) {
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) dst[(int64_t)r * cols + c] = src[(int64_t)c * ld + r];
}

static void small_batched(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                          int64_t stride_a, const float *b, int ldb, int64_t stride_b, float beta, float *c, int ldc,
                          int64_t stride_c, int batch, int parallel) {
#pragma omp parallel if (parallel)
  {
    float *abuf = trans_a ? malloc(sizeof(float) * (size_t)m * k) : NULL;
    float *bbuf = trans_b ? malloc(sizeof(float) * (size_t)k * n) : NULL;
#pragma omp for schedule(static)
    for (int i = 0; i < batch; i++) {
      const float *ai = a + i * stride_a, *bi = b + i * stride_b;
      int la = lda, lb = ldb;
      if (abuf) {
        transpose_into(abuf, ai, m, k, lda);
        ai = abuf, la = k;
      }
      if (bbuf) {
        transpose_into(bbuf, bi, k, n, ldb);
        bi = bbuf, lb = n;
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, alpha, ai, la, bi, lb, beta, c + i * stride_c, ldc);
    }
    free(abuf);
    free(bbuf);
  }
}

void sidrec_sgemm_batched(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                          int64_t stride_a, const float *b, int ldb, int64_t stride_b, float beta, float *c, int ldc,
                          int64_t stride_c, int batch) {
  const double flops = 2.0 * m * n * k;
  if (batch > 1 && flops < SMALL_GEMM_FLOPS && (int64_t)m * k <= SMALL_OPERAND && (int64_t)k * n <= SMALL_OPERAND) {
    small_batched(trans_a, trans_b, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b, beta, c, ldc, stride_c, batch,
                  flops * batch > SMALL_GEMM_FLOPS);
    return;
  }
  const enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
  const enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
  for (int i = 0; i < batch; i++) {
    float *ci = c + i * stride_c;
    if (m == 1 && k > 0) {
      /* c (1 x n) = alpha * a (1 x k) op(B) + beta * c: sgemv over B as stored (k x n, or n x k when transposed). */
      const float *ai = a + i * stride_a, *bi = b + i * stride_b;
      const int inc_a = trans_a ? lda : 1;
      if (trans_b) cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, alpha, bi, ldb, ai, inc_a, beta, ci, 1);
      else cblas_sgemv(CblasRowMajor, CblasTrans, k, n, alpha, bi, ldb, ai, inc_a, beta, ci, 1);
      continue;
    }
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta, ci, ldc);
  }
}
