/*
 * The C kernels behind the OpenBLAS addon, free of N-API so they read (and could be tested) as plain C.
 * Shapes and semantics match src/tensor/kernels/types.ts; the N-API layer in addon.c checks every bound first.
 */
#ifndef SIDREC_KERNELS_H
#define SIDREC_KERNELS_H
#include <stdint.h>

void sidrec_sgemm_batched(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                          int64_t stride_a, const float *b, int ldb, int64_t stride_b, float beta, float *c, int ldc,
                          int64_t stride_c, int batch);
double sidrec_softmax_ce(const float *logits, int64_t rows, int cols, const int32_t *targets, float *grad, float scale);
void sidrec_gelu(const float *x, float *out, int64_t n);
void sidrec_gelu_backward(const float *x, const float *dy, float *dx, int64_t n, int accumulate);
void sidrec_softmax_rows(float *x, int64_t rows, int cols);
void sidrec_layer_norm_forward(const float *x, const float *gamma, const float *beta, float *out, float *mean,
                               float *rstd, int64_t rows, int cols, float eps);
void sidrec_layer_norm_backward(const float *x, const float *gamma, const float *mean, const float *rstd,
                                const float *dy, float *dx, float *dgamma, float *dbeta, int64_t rows, int cols);
void sidrec_adam_step(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
                      float eps, float weight_decay, float bias_correction1, float bias_correction2);
void sidrec_embedding_bag_forward(const float *table, int dim, const int32_t *ids, int bag, int64_t positions,
                                  const float *weights, float *out);
void sidrec_embedding_bag_backward(float *dtable, int dim, const int32_t *ids, int bag, int64_t positions,
                                   const float *weights, const float *dout);
void sidrec_residual_silu_normalize(const float *h, const float *p, float *s, float *q, float *inv, int64_t rows,
                                    int heads, int dim);
void sidrec_residual_silu_normalize_backward(float *p, const float *s, const float *q, const float *inv, const float *dq,
                                             float *dh, int64_t rows, int heads, int dim);
void sidrec_gather_sum(const float *table, int64_t rows, int64_t row_len, const int32_t *ids, int64_t count, int bag,
                       float *out);

void sidrec_relu(const float *x, float *out, int64_t n);
void sidrec_relu_backward(const float *x, const float *dy, float *dx, int64_t n, int accumulate);
void sidrec_dropout(const float *x, float *out, float *mask, int64_t n, uint32_t seed, uint32_t threshold, float scale);

#endif
