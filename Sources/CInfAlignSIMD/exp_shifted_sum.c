// sum_j exp(x_j - shift) at AVX2 and AVX-512 width (see infalign_simd.h).
//
// The same algorithm as Swift's `VectorExp` (InfAlignMath/VectorExp.swift): Cody-Waite reduction
// x = n ln2 + r with |r| <= ln2/2, the Taylor polynomial of e^r (degree 13 for double, 7 for float: truncation
// below half an ulp) by Horner, and 2^n assembled from the bits of x log2(e) + 1.5 2^p. A vector with a lane
// outside the fast range (or NaN) uses the C library's exp for that vector. Written once with vector extensions
// (vectors.h) and compiled per level.
//
// The double and float kernels below are twins that differ only in element and vector types and lane count (8 or
// 16); each is written out because 20 lines read top to bottom are clearer than a template header (which
// ctrl_sequence_body.h uses for the large CTRL pass) with six macros.
#include "infalign_simd.h"
#include "vectors.h"
#include <math.h>

#include "exp_vectors.h"

static double scalar_sum_f64(const double *x, ptrdiff_t n, double shift, double *store) {
  double s = 0;
  for (ptrdiff_t j = 0; j < n; j++) {
    double e = exp(x[j] - shift);
    if (store) store[j] = e;
    s += e;
  }
  return s;
}

static float scalar_sum_f32(const float *x, ptrdiff_t n, float shift, float *store) {
  float s = 0;
  for (ptrdiff_t j = 0; j < n; j++) {
    float e = expf(x[j] - shift);
    if (store) store[j] = e;
    s += e;
  }
  return s;
}

// Two vectors per step (independent chains), then one, then the scalar tail.
INLINE double sum_f64(const double *x, ptrdiff_t n, double shift, double *store) {
  f64x8 acc0 = {0}, acc1 = {0};
  ptrdiff_t j = 0;
  for (; j + 16 <= n; j += 16) {
    f64x8 e0 = exp_f64x8(load_f64x8(x + j) - shift), e1 = exp_f64x8(load_f64x8(x + j + 8) - shift);
    if (store) {
      store_f64x8(store + j, e0);
      store_f64x8(store + j + 8, e1);
    }
    acc0 += e0;
    acc1 += e1;
  }
  for (; j + 8 <= n; j += 8) {
    f64x8 e = exp_f64x8(load_f64x8(x + j) - shift);
    if (store) store_f64x8(store + j, e);
    acc0 += e;
  }
  return sum_f64x8(acc0 + acc1) + scalar_sum_f64(x + j, n - j, shift, store ? store + j : NULL);
}

INLINE float sum_f32(const float *x, ptrdiff_t n, float shift, float *store) {
  f32x16 acc0 = {0}, acc1 = {0};
  ptrdiff_t j = 0;
  for (; j + 32 <= n; j += 32) {
    f32x16 e0 = exp_f32x16(load_f32x16(x + j) - shift), e1 = exp_f32x16(load_f32x16(x + j + 16) - shift);
    if (store) {
      store_f32x16(store + j, e0);
      store_f32x16(store + j + 16, e1);
    }
    acc0 += e0;
    acc1 += e1;
  }
  for (; j + 16 <= n; j += 16) {
    f32x16 e = exp_f32x16(load_f32x16(x + j) - shift);
    if (store) store_f32x16(store + j, e);
    acc0 += e;
  }
  return sum_f32x16(acc0 + acc1) + scalar_sum_f32(x + j, n - j, shift, store ? store + j : NULL);
}

#if defined(__x86_64__)
TARGET_AVX512 static double sum_avx512_f64(const double *x, ptrdiff_t n, double s, double *o) { return sum_f64(x, n, s, o); }
TARGET_AVX2 static double sum_avx2_f64(const double *x, ptrdiff_t n, double s, double *o) { return sum_f64(x, n, s, o); }
TARGET_AVX512 static float sum_avx512_f32(const float *x, ptrdiff_t n, float s, float *o) { return sum_f32(x, n, s, o); }
TARGET_AVX2 static float sum_avx2_f32(const float *x, ptrdiff_t n, float s, float *o) { return sum_f32(x, n, s, o); }
#endif

double infalign_exp_shifted_sum_f64(int level, const double *x, ptrdiff_t n, double shift, double *store) {
#if defined(__x86_64__)
  if (level >= 2) return sum_avx512_f64(x, n, shift, store);
  if (level == 1) return sum_avx2_f64(x, n, shift, store);
#endif
  (void)level;
  return scalar_sum_f64(x, n, shift, store);
}

float infalign_exp_shifted_sum_f32(int level, const float *x, ptrdiff_t n, float shift, float *store) {
#if defined(__x86_64__)
  if (level >= 2) return sum_avx512_f32(x, n, shift, store);
  if (level == 1) return sum_avx2_f32(x, n, shift, store);
#endif
  (void)level;
  return scalar_sum_f32(x, n, shift, store);
}
