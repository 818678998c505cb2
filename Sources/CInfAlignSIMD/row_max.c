// The maximum of a row at AVX2 and AVX-512 width, NaN if the row holds one (see infalign_simd.h).
//
// The vector max ignores NaN (IEEE maxNum), so NaN is tracked separately: an unordered self-compare per vector,
// or-ed into a flag that is checked once at the end. Written once with vector extensions (vectors.h).
//
// The double and float kernels below are twins that differ only in element and vector types and lane count (8 or
// 16); each is written out because 20 lines read top to bottom are clearer than a template header (which
// ctrl_sequence_body.h uses for the large CTRL pass) with six macros.
#include "infalign_simd.h"
#include "vectors.h"
#include <math.h>

static double scalar_max_f64(const double *x, ptrdiff_t n) {
  double m = -INFINITY;
  int nan = 0;
  for (ptrdiff_t j = 0; j < n; j++) {
    m = x[j] > m ? x[j] : m;
    nan |= x[j] != x[j];
  }
  return nan ? NAN : m;
}

static float scalar_max_f32(const float *x, ptrdiff_t n) {
  float m = -INFINITY;
  int nan = 0;
  for (ptrdiff_t j = 0; j < n; j++) {
    m = x[j] > m ? x[j] : m;
    nan |= x[j] != x[j];
  }
  return nan ? NAN : m;
}

INLINE double max_f64(const double *x, ptrdiff_t n) {
  f64x8 m0 = (f64x8){0} - INFINITY, m1 = m0;
  i64x8 nan = {0};
  ptrdiff_t j = 0;
  for (; j + 16 <= n; j += 16) {
    f64x8 a = load_f64x8(x + j), b = load_f64x8(x + j + 8);
    nan |= (a != a) | (b != b);
    m0 = __builtin_elementwise_max(m0, a);
    m1 = __builtin_elementwise_max(m1, b);
  }
  m0 = __builtin_elementwise_max(m0, m1);
  double m = scalar_max_f64(x + j, n - j);  // the tail (NaN if it holds one)
  if (__builtin_reduce_or(nan) || m != m) return NAN;
  for (int i = 0; i < 8; i++) m = m0[i] > m ? m0[i] : m;
  return m;
}

INLINE float max_f32(const float *x, ptrdiff_t n) {
  f32x16 m0 = (f32x16){0} - INFINITY, m1 = m0;
  i32x16 nan = {0};
  ptrdiff_t j = 0;
  for (; j + 32 <= n; j += 32) {
    f32x16 a = load_f32x16(x + j), b = load_f32x16(x + j + 16);
    nan |= (a != a) | (b != b);
    m0 = __builtin_elementwise_max(m0, a);
    m1 = __builtin_elementwise_max(m1, b);
  }
  m0 = __builtin_elementwise_max(m0, m1);
  float m = scalar_max_f32(x + j, n - j);
  if (__builtin_reduce_or(nan) || m != m) return NAN;
  for (int i = 0; i < 16; i++) m = m0[i] > m ? m0[i] : m;
  return m;
}

#if defined(__x86_64__)
TARGET_AVX512 static double max_avx512_f64(const double *x, ptrdiff_t n) { return max_f64(x, n); }
TARGET_AVX2 static double max_avx2_f64(const double *x, ptrdiff_t n) { return max_f64(x, n); }
TARGET_AVX512 static float max_avx512_f32(const float *x, ptrdiff_t n) { return max_f32(x, n); }
TARGET_AVX2 static float max_avx2_f32(const float *x, ptrdiff_t n) { return max_f32(x, n); }
#endif

double infalign_row_max_f64(int level, const double *x, ptrdiff_t n) {
#if defined(__x86_64__)
  if (level >= 2) return max_avx512_f64(x, n);
  if (level == 1) return max_avx2_f64(x, n);
#endif
  (void)level;
  return scalar_max_f64(x, n);
}

float infalign_row_max_f32(int level, const float *x, ptrdiff_t n) {
#if defined(__x86_64__)
  if (level >= 2) return max_avx512_f32(x, n);
  if (level == 1) return max_avx2_f32(x, n);
#endif
  (void)level;
  return scalar_max_f32(x, n);
}
