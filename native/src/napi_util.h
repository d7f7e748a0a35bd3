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

#endif
