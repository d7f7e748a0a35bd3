/*
 * N-API glue for the training-loop kernels (train.c, embedding.c, heads.c): layerNormForward, layerNormBackward,
 * adamStep, embeddingBagForward, embeddingBagBackward, residualSiluNormalize(Backward), gatherSum, dropout, relu(Backward). Like
 * addon.c, every array is checked against the sizes it will be indexed with before any pointer reaches C.
 */
#include <node_api.h>
#include "kernels.h"
#include "napi_util.h"

#define F32(i, span) get_array(env, argv[i], napi_float32_array, &(span))

/* layerNormForward(x, gamma, beta, out, mean, rstd, rows, cols, eps) */
static napi_value js_ln_forward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span x, g, b, out, mean, rstd;
  int64_t rows, cols;
  double eps;
  CHECK(env, argc == 9 && F32(0, x) && F32(1, g) && F32(2, b) && F32(3, out) && F32(4, mean) && F32(5, rstd) &&
                 get_i64(env, argv[6], &rows) && get_i64(env, argv[7], &cols) && get_f64(env, argv[8], &eps),
        "layerNormForward(x, gamma, beta, out, mean, rstd: Float32Array, rows, cols, eps)");
  CHECK(env, rows >= 0 && cols > 0 && cols < INT32_MAX && x.length >= rows * cols && out.length >= rows * cols &&
                 g.length >= cols && b.length >= cols && mean.length >= rows && rstd.length >= rows,
        "layerNormForward: an array is shorter than rows / cols");
  sidrec_layer_norm_forward(x.data, g.data, b.data, out.data, mean.data, rstd.data, rows, (int)cols, (float)eps);
  return NULL;
}

/* layerNormBackward(x, gamma, mean, rstd, dy, dx?, dgamma?, dbeta?, rows, cols) */
static napi_value js_ln_backward(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span x, g, mean, rstd, dy, dx, dg, db;
  int64_t rows, cols;
  CHECK(env, argc == 10 && F32(0, x) && F32(1, g) && F32(2, mean) && F32(3, rstd) && F32(4, dy) &&
                 get_optional_f32(env, argv[5], &dx) && get_optional_f32(env, argv[6], &dg) &&
                 get_optional_f32(env, argv[7], &db) && get_i64(env, argv[8], &rows) && get_i64(env, argv[9], &cols),
        "layerNormBackward(x, gamma, mean, rstd, dy, dx?, dgamma?, dbeta?, rows, cols)");
  const int64_t n = rows * cols;
  CHECK(env, rows >= 0 && cols > 0 && cols < INT32_MAX && x.length >= n && dy.length >= n && g.length >= cols &&
                 mean.length >= rows && rstd.length >= rows && (!dx.data || dx.length >= n) &&
                 (!dg.data || dg.length >= cols) && (!db.data || db.length >= cols),
        "layerNormBackward: an array is shorter than rows / cols");
  sidrec_layer_norm_backward(x.data, g.data, mean.data, rstd.data, dy.data, dx.data, dg.data, db.data, rows, (int)cols);
  return NULL;
}

/* adamStep(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2) */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span p, gr, m, v;
  int64_t n;
  double h[7];
  int ok = argc == 12 && F32(0, p) && F32(1, gr) && F32(2, m) && F32(3, v) && get_i64(env, argv[4], &n);
  for (int i = 0; ok && i < 7; i++) ok = get_f64(env, argv[5 + i], &h[i]);
  CHECK(env, ok, "adamStep(param, grad, m, v: Float32Array, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2)");
  CHECK(env, n >= 0 && p.length >= n && gr.length >= n && m.length >= n && v.length >= n, "adamStep: n exceeds an array");
  sidrec_adam_step(p.data, gr.data, m.data, v.data, n, (float)h[0], (float)h[1], (float)h[2], (float)h[3], (float)h[4],
                   (float)h[5], (float)h[6]);
  return NULL;
}

/* embeddingBag{Forward,Backward}(table, dim, ids, bag, positions, weights?, out | dOut) */
static napi_value js_embedding_bag(napi_env env, napi_callback_info info, int backward) {
  size_t argc = 7;
  napi_value argv[7];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span table, ids, w, io;
  int64_t dim, bag, positions;
  CHECK(env, argc == 7 && F32(0, table) && get_i64(env, argv[1], &dim) && get_array(env, argv[2], napi_int32_array, &ids) &&
                 get_i64(env, argv[3], &bag) && get_i64(env, argv[4], &positions) && get_optional_f32(env, argv[5], &w) &&
                 F32(6, io),
        "embeddingBag(table: Float32Array, dim, ids: Int32Array, bag, positions, weights?, out: Float32Array)");
  CHECK(env, dim > 0 && dim < INT32_MAX && bag >= 0 && bag < INT32_MAX && positions >= 0 && ids.length >= positions * bag &&
                 io.length >= positions * dim && (!w.data || w.length >= positions),
        "embeddingBag: an array is shorter than positions / bag / dim");
  const int64_t rows = table.length / dim;
  const int32_t *id = ids.data;
  for (int64_t i = 0; i < positions * bag; i++) CHECK(env, id[i] < rows, "embeddingBag: id >= table rows");
  if (backward) sidrec_embedding_bag_backward(table.data, (int)dim, id, (int)bag, positions, w.data, io.data);
  else sidrec_embedding_bag_forward(table.data, (int)dim, id, (int)bag, positions, w.data, io.data);
  return NULL;
}

static napi_value js_embedding_bag_forward(napi_env env, napi_callback_info info) { return js_embedding_bag(env, info, 0); }
static napi_value js_embedding_bag_backward(napi_env env, napi_callback_info info) { return js_embedding_bag(env, info, 1); }

/* residualSiluNormalize(h, p, s, q, inv, rows, heads, dim) */
static napi_value js_heads_forward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span h, p, s, q, inv;
  int64_t rows, heads, dim;
  CHECK(env, argc == 8 && F32(0, h) && F32(1, p) && F32(2, s) && F32(3, q) && F32(4, inv) && get_i64(env, argv[5], &rows) &&
                 get_i64(env, argv[6], &heads) && get_i64(env, argv[7], &dim),
        "residualSiluNormalize(h, p, s, q, inv: Float32Array, rows, heads, dim)");
  const int64_t n = rows * heads * dim;
  CHECK(env, rows >= 0 && heads > 0 && heads < INT32_MAX && dim > 0 && dim < INT32_MAX && h.length >= rows * dim &&
                 p.length >= n && s.length >= n && q.length >= n && inv.length >= rows * heads,
        "residualSiluNormalize: an array is shorter than rows / heads / dim");
  sidrec_residual_silu_normalize(h.data, p.data, s.data, q.data, inv.data, rows, (int)heads, (int)dim);
  return NULL;
}

/* residualSiluNormalizeBackward(p, s, q, inv, dq, dh?, rows, heads, dim) */
static napi_value js_heads_backward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span p, s, q, inv, dq, dh;
  int64_t rows, heads, dim;
  CHECK(env, argc == 9 && F32(0, p) && F32(1, s) && F32(2, q) && F32(3, inv) && F32(4, dq) &&
                 get_optional_f32(env, argv[5], &dh) && get_i64(env, argv[6], &rows) && get_i64(env, argv[7], &heads) &&
                 get_i64(env, argv[8], &dim),
        "residualSiluNormalizeBackward(p, s, q, inv, dq: Float32Array, dh?, rows, heads, dim)");
  const int64_t n = rows * heads * dim;
  CHECK(env, rows >= 0 && heads > 0 && heads < INT32_MAX && dim > 0 && dim < INT32_MAX && p.length >= n && s.length >= n &&
                 q.length >= n && dq.length >= n && inv.length >= rows * heads && (!dh.data || dh.length >= rows * dim),
        "residualSiluNormalizeBackward: an array is shorter than rows / heads / dim");
  sidrec_residual_silu_normalize_backward(p.data, s.data, q.data, inv.data, dq.data, dh.data, rows, (int)heads, (int)dim);
  return NULL;
}

/* gatherSum(table, rows, rowLength, ids, count, bag, out): out[r, i] = sum over b of table[r, ids[i, b]] */
static napi_value js_gather_sum(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span table, ids, out;
  int64_t rows, row_len, count, bag;
  CHECK(env, argc == 7 && F32(0, table) && get_i64(env, argv[1], &rows) && get_i64(env, argv[2], &row_len) &&
                 get_array(env, argv[3], napi_int32_array, &ids) && get_i64(env, argv[4], &count) &&
                 get_i64(env, argv[5], &bag) && F32(6, out),
        "gatherSum(table: Float32Array, rows, rowLength, ids: Int32Array, count, bag, out: Float32Array)");
  CHECK(env, rows >= 0 && row_len > 0 && count >= 0 && bag >= 0 && bag < INT32_MAX && table.length >= rows * row_len &&
                 ids.length >= count * bag && out.length >= rows * count,
        "gatherSum: an array is shorter than rows / rowLength / count / bag");
  const int32_t *id = ids.data;
  for (int64_t i = 0; i < count * bag; i++) CHECK(env, id[i] >= 0 && id[i] < row_len, "gatherSum: id outside [0, rowLength)");
  sidrec_gather_sum(table.data, rows, row_len, id, count, (int)bag, out.data);
  return NULL;
}

/* dropout(x, out, mask, n, seed, threshold, scale): mask[i] = hash(seed, i) >= threshold ? scale : 0, out = x * mask */
static napi_value js_dropout(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span x, out, mask;
  int64_t n, seed, threshold;
  double scale;
  CHECK(env, argc == 7 && F32(0, x) && F32(1, out) && F32(2, mask) && get_i64(env, argv[3], &n) &&
                 get_i64(env, argv[4], &seed) && get_i64(env, argv[5], &threshold) && get_f64(env, argv[6], &scale),
        "dropout(x, out, mask: Float32Array, n, seed, threshold, scale)");
  CHECK(env, n >= 0 && x.length >= n && out.length >= n && mask.length >= n, "dropout: n exceeds an array");
  CHECK(env, seed >= 0 && seed <= UINT32_MAX && threshold >= 0 && threshold <= UINT32_MAX, "dropout: seed or threshold outside uint32");
  sidrec_dropout(x.data, out.data, mask.data, n, (uint32_t)seed, (uint32_t)threshold, (float)scale);
  return NULL;
}

/* relu(x, out, n) */
static napi_value js_relu(napi_env env, napi_callback_info info) {
  return elementwise_glue(env, info, "relu(x: Float32Array, out: Float32Array, n), n within both", sidrec_relu);
}

/* reluBackward(x, dy, dx, n, accumulate) */
static napi_value js_relu_backward(napi_env env, napi_callback_info info) {
  return elementwise_backward_glue(env, info, "reluBackward(x, dy, dx: Float32Array, n, accumulate: boolean), n within all", sidrec_relu_backward);
}

napi_status sidrec_register_train(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"layerNormForward", 0, js_ln_forward, 0, 0, 0, napi_enumerable, 0},
      {"layerNormBackward", 0, js_ln_backward, 0, 0, 0, napi_enumerable, 0},
      {"adamStep", 0, js_adam, 0, 0, 0, napi_enumerable, 0},
      {"embeddingBagForward", 0, js_embedding_bag_forward, 0, 0, 0, napi_enumerable, 0},
      {"embeddingBagBackward", 0, js_embedding_bag_backward, 0, 0, 0, napi_enumerable, 0},
      {"residualSiluNormalize", 0, js_heads_forward, 0, 0, 0, napi_enumerable, 0},
      {"residualSiluNormalizeBackward", 0, js_heads_backward, 0, 0, 0, napi_enumerable, 0},
      {"gatherSum", 0, js_gather_sum, 0, 0, 0, napi_enumerable, 0},
      {"dropout", 0, js_dropout, 0, 0, 0, napi_enumerable, 0},
      {"relu", 0, js_relu, 0, 0, 0, napi_enumerable, 0},
      {"reluBackward", 0, js_relu_backward, 0, 0, 0, napi_enumerable, 0},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
