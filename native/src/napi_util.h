/*
 * Argument checking shared by the addon's N-API glue files: typed-array spans with their length (so every
 * kernel can be bounds-checked before C touches memory), numbers, booleans, and a throw-and-return macro.
 */
#ifndef SIDREC_NAPI_UTIL_H
#define SIDREC_NAPI_UTIL_H
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

#define CHECK(env, cond, msg)                              \
  do {                                                     \
    if (!(cond)) {                                         \
      napi_throw_range_error((env), "E_KERNEL_ARGS", msg); \
      return NULL;                                         \
    }                                                      \
  } while (0)
#define CALL(env, expr) CHECK(env, (expr) == napi_ok, "sidrec_blas: invalid argument type")

typedef struct {
  void *data;
  int64_t length;
} Span;

static inline int get_array(napi_env env, napi_value v, napi_typedarray_type want, Span *out) {
  napi_valuetype vt;
  if (napi_typeof(env, v, &vt) != napi_ok || vt != napi_object) return 0;
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  napi_typedarray_type type;
  size_t length;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &out->data, &buffer, &offset) != napi_ok) return 0;
  out->length = (int64_t)length;
  return type == want;
}

static inline int get_i64(napi_env env, napi_value v, int64_t *out) { return napi_get_value_int64(env, v, out) == napi_ok; }
static inline int get_f64(napi_env env, napi_value v, double *out) { return napi_get_value_double(env, v, out) == napi_ok; }
static inline int get_bool(napi_env env, napi_value v, bool *out) { return napi_get_value_bool(env, v, out) == napi_ok; }

/* An optional Float32Array: null / undefined give data NULL, length 0. */
static inline int get_optional_f32(napi_env env, napi_value v, Span *out) {
  napi_valuetype vt;
  if (napi_typeof(env, v, &vt) != napi_ok) return 0;
  if (vt == napi_null || vt == napi_undefined) {
    out->data = NULL;
    out->length = 0;
    return 1;
  }
  return get_array(env, v, napi_float32_array, out);
}

/* N-API glue of an elementwise kernel fn(x, out, n), called as (x: Float32Array, out: Float32Array, n). */
static inline napi_value elementwise_glue(napi_env env, napi_callback_info info, const char *usage,
                                          void (*fn)(const float *, float *, int64_t)) {
  size_t argc = 3;
  napi_value argv[3];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span x, out;
  int64_t n;
  CHECK(env, argc == 3 && get_array(env, argv[0], napi_float32_array, &x) &&
                 get_array(env, argv[1], napi_float32_array, &out) && get_i64(env, argv[2], &n),
        usage);
  CHECK(env, n >= 0 && x.length >= n && out.length >= n, usage);
  fn(x.data, out.data, n);
  return NULL;
}

/* N-API glue of an elementwise backward kernel fn(x, dy, dx, n, accumulate), called as (x, dy, dx, n, accumulate). */
static inline napi_value elementwise_backward_glue(napi_env env, napi_callback_info info, const char *usage,
                                                   void (*fn)(const float *, const float *, float *, int64_t, int)) {
  size_t argc = 5;
  napi_value argv[5];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Span x, dy, dx;
  int64_t n;
  bool acc;
  CHECK(env, argc == 5 && get_array(env, argv[0], napi_float32_array, &x) &&
                 get_array(env, argv[1], napi_float32_array, &dy) && get_array(env, argv[2], napi_float32_array, &dx) &&
                 get_i64(env, argv[3], &n) && get_bool(env, argv[4], &acc),
        usage);
  CHECK(env, n >= 0 && x.length >= n && dy.length >= n && dx.length >= n, usage);
  fn(x.data, dy.data, dx.data, n, acc);
  return NULL;
}

#endif
