/*
 * Branch-free float exp for vectorised loops: Cody-Waite range reduction to r in [-ln2/2, ln2/2], a degree-6
 * polynomial (Cephes expf coefficients, ~1 ulp), and 2^n assembled in the exponent bits. Written out here so that
 * GCC vectorises the elementwise loops at -O3 (with -fno-trapping-math for roundf) without -ffast-math (libmvec needs __FAST_MATH__, which would
 * also let the compiler assume no infinities; padding masks use -inf).
 */
#ifndef SIDREC_FASTEXP_H
#define SIDREC_FASTEXP_H
#include <stdint.h>
#include <string.h>

static inline float sidrec_expf(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  float n = __builtin_roundf(x * 1.44269504088896341f);
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/* tanh(u) = 1 - 2 / (exp(2u) + 1): saturates cleanly to +-1 thanks to the clamp in sidrec_expf. */
static inline float sidrec_tanhf(float u) { return 1.0f - 2.0f / (sidrec_expf(2.0f * u) + 1.0f); }

#endif
