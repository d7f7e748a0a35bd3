/*
 * N-API entry points of the optional OpenBLAS addon (sidrec_blas.node). Every argument is checked here, bounds
 * included, before any pointer reaches C: a wrong shape from JavaScript must throw, never read past an array.
 * The TypeScript side (src/tensor/kernels/blas.ts) maps the kernel seam onto these functions.
 */
#include <cblas.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include "kernels.h"
#include "napi_util.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define MAX_ARGS 17

/* Index one past the last element a (rows x cols, leading dimension ld) matrix touches, repeated batch times. */
static int64_t extent(int64_t rows, int64_t cols, int64_t ld, int64_t stride, int64_t batch) {
  if (rows == 0 || cols == 0 || batch == 0) return 0;
  return (batch - 1) * stride + (rows - 1) * ld + cols;
}

/* sgemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch) */
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(env, argc == 17, "sgemm: expected 17 arguments");
  bool ta, tb;
  int64_t m, n, k, lda, sa, ldb, sb, ldc, sc, batch;
  double alpha, beta;
  Span a, b, c;
  CHECK(env, get_bool(env, argv[0], &ta) && get_bool(env, argv[1], &tb), "sgemm: transA, transB must be booleans");
  CHECK(env, get_i64(env, argv[2], &m) && get_i64(env, argv[3], &n) && get_i64(env, argv[4], &k), "sgemm: m, n, k");
  CHECK(env, get_f64(env, argv[5], &alpha) && get_f64(env, argv[12], &beta), "sgemm: alpha, beta");
  CHECK(env, get_array(env, argv[6], napi_float32_array, &a), "sgemm: a must be a Float32Array");
  CHECK(env, get_array(env, argv[9], napi_float32_array, &b), "sgemm: b must be a Float32Array");
  CHECK(env, get_array(env, argv[13], napi_float32_array, &c), "sgemm: c must be a Float32Array");
  CHECK(env, get_i64(env, argv[7], &lda) && get_i64(env, argv[8], &sa), "sgemm: lda, strideA");
  CHECK(env, get_i64(env, argv[10], &ldb) && get_i64(env, argv[11], &sb), "sgemm: ldb, strideB");
  CHECK(env, get_i64(env, argv[14], &ldc) && get_i64(env, argv[15], &sc) && get_i64(env, argv[16], &batch),
        "sgemm: ldc, strideC, batch");
  CHECK(env, m >= 0 && n >= 0 && k >= 0 && batch >= 0 && sa >= 0 && sb >= 0 && sc >= 0, "sgemm: negative size");
  CHECK(env, m < INT32_MAX && n < INT32_MAX && k < INT32_MAX && batch < INT32_MAX, "sgemm: size over 2^31");
  const int64_t a_rows = ta ? k : m, a_cols = ta ? m : k, b_rows = tb ? n : k, b_cols = tb ? k : n;
  /* An empty operand (k == 0) has no rows to lead: BLAS still wants ld >= 1. */
  if (a_rows == 0 || a_cols == 0) lda = lda > 1 ? lda : 1;
  if (b_rows == 0 || b_cols == 0) ldb = ldb > 1 ? ldb : 1;
  CHECK(env, lda >= (a_cols > 1 ? a_cols : 1) && ldb >= (b_cols > 1 ? b_cols : 1) && ldc >= (n > 1 ? n : 1),
        "sgemm: leading dimension smaller than the row length");
  CHECK(env, lda < INT32_MAX && ldb < INT32_MAX && ldc < INT32_MAX, "sgemm: leading dimension over 2^31");
  if (m == 0 || n == 0 || batch == 0) return NULL;
  CHECK(env, extent(a_rows, a_cols, lda, sa, batch) <= a.length, "sgemm: a too short for m, k, lda, strideA");
  CHECK(env, extent(b_rows, b_cols, ldb, sb, batch) <= b.length, "sgemm: b too short for k, n, ldb, strideB");
  CHECK(env, extent(m, n, ldc, sc, batch) <= c.length, "sgemm: c too short for m, n, ldc, strideC");
  CHECK(env, batch == 1 || sc >= extent(m, n, ldc, 0, 1), "sgemm: batches of c overlap (strideC too small)");
  sidrec_sgemm_batched(ta, tb, (int)m, (int)n, (int)k, (float)alpha, a.data, (int)lda, sa, b.data, (int)ldb, sb,
                       (float)beta, c.data, (int)ldc, sc, (int)batch);
  return NULL;
}

/* softmaxCrossEntropy(logits, rows, cols, targets, grad | null, scale) -> summed loss */
static napi_value js_softmax_ce(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(env, argc == 6, "softmaxCrossEntropy: expected 6 arguments");
  Span logits, targets, grad = {0, 0};
  int64_t rows, cols;
  double scale;
  CHECK(env, get_array(env, argv[0], napi_float32_array, &logits), "softmaxCrossEntropy: logits must be a Float32Array");
  CHECK(env, get_i64(env, argv[1], &rows) && get_i64(env, argv[2], &cols) && rows >= 0 && cols > 0 && cols < INT32_MAX,
        "softmaxCrossEntropy: rows, cols");
  CHECK(env, get_array(env, argv[3], napi_int32_array, &targets), "softmaxCrossEntropy: targets must be an Int32Array");
  napi_valuetype gt;
  CALL(env, napi_typeof(env, argv[4], &gt));
  const int has_grad = gt != napi_null && gt != napi_undefined;
  if (has_grad) CHECK(env, get_array(env, argv[4], napi_float32_array, &grad), "softmaxCrossEntropy: grad must be a Float32Array");
  CHECK(env, get_f64(env, argv[5], &scale), "softmaxCrossEntropy: scale");
  CHECK(env, logits.length >= rows * cols && targets.length >= rows && (!has_grad || grad.length >= rows * cols),
        "softmaxCrossEntropy: array shorter than rows * cols");
  const int32_t *t = targets.data;
  for (int64_t r = 0; r < rows; r++) CHECK(env, t[r] < cols, "softmaxCrossEntropy: target >= cols");
  const double loss = sidrec_softmax_ce(logits.data, rows, (int)cols, t, has_grad ? grad.data : NULL, (float)scale);
  napi_value result;
  CALL(env, napi_create_double(env, loss, &result));
  return result;
}

/* gelu(x, out, n) */
static napi_value js_gelu(napi_env env, napi_callback_info info) {
  return elementwise_glue(env, info, "gelu(x: Float32Array, out: Float32Array, n), n within both", sidrec_gelu);
}

/* geluBackward(x, dy, dx, n, accumulate) */
static napi_value js_gelu_backward(napi_env env, napi_callback_info info) {
  return elementwise_backward_glue(env, info, "geluBackward(x, dy, dx: Float32Array, n, accumulate: boolean), n within all", sidrec_gelu_backward);
}

/* softmaxRows(x, rows, cols) */
static napi_value js_softmax_rows(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span x;
  int64_t rows, cols;
  CHECK(env, argc == 3 && get_array(env, argv[0], napi_float32_array, &x) && get_i64(env, argv[1], &rows) &&
                 get_i64(env, argv[2], &cols),
        "softmaxRows(x: Float32Array, rows, cols)");
  CHECK(env, rows >= 0 && cols >= 0 && cols < INT32_MAX && x.length >= rows * cols, "softmaxRows: rows * cols exceeds x");
  if (cols > 0) sidrec_softmax_rows(x.data, rows, (int)cols);
  return NULL;
}

/* info() -> { corename, blasThreads, ompThreads }: printed by the benchmarks. */
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  CALL(env, napi_create_object(env, &obj));
  const char *core = openblas_get_corename();
  CALL(env, napi_create_string_utf8(env, core ? core : "unknown", NAPI_AUTO_LENGTH, &v));
  CALL(env, napi_set_named_property(env, obj, "corename", v));
  CALL(env, napi_create_int32(env, openblas_get_num_threads(), &v));
  CALL(env, napi_set_named_property(env, obj, "blasThreads", v));
#ifdef _OPENMP
  CALL(env, napi_create_int32(env, omp_get_max_threads(), &v));
#else
  CALL(env, napi_create_int32(env, 1, &v));
#endif
  CALL(env, napi_set_named_property(env, obj, "ompThreads", v));
  return obj;
}

napi_status sidrec_register_train(napi_env env, napi_value exports);

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"sgemm", 0, js_sgemm, 0, 0, 0, napi_enumerable, 0},
      {"softmaxCrossEntropy", 0, js_softmax_ce, 0, 0, 0, napi_enumerable, 0},
      {"gelu", 0, js_gelu, 0, 0, 0, napi_enumerable, 0},
      {"geluBackward", 0, js_gelu_backward, 0, 0, 0, napi_enumerable, 0},
      {"softmaxRows", 0, js_softmax_rows, 0, 0, 0, napi_enumerable, 0},
      {"info", 0, js_info, 0, 0, 0, napi_enumerable, 0},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (sidrec_register_train(env, exports) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
