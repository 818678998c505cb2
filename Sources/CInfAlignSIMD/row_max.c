// The maximum of a row at AVX2 and AVX-512 width, NaN if the row holds one (see infalign_simd.h).
//
// Vector max instructions return their second operand when either is NaN, so NaN is tracked separately: an
// unordered self-compare per vector, or-ed into a flag that is checked once at the end.
#include "infalign_simd.h"
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

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

AVX512 static double max_avx512_f64(const double *x, ptrdiff_t n) {
  __m512d m0 = _mm512_set1_pd(-INFINITY), m1 = m0;
  __mmask8 nan = 0;
  ptrdiff_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m512d a = _mm512_loadu_pd(x + j), b = _mm512_loadu_pd(x + j + 8);
    nan |= _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q);
    m0 = _mm512_max_pd(m0, a);
    m1 = _mm512_max_pd(m1, b);
  }
  for (; j < n; j += 8) {
    __mmask8 k = n - j >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (n - j)) - 1);
    __m512d a = _mm512_mask_loadu_pd(_mm512_set1_pd(-INFINITY), k, x + j);
    nan |= _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q);
    m0 = _mm512_max_pd(m0, a);
  }
  return nan ? NAN : _mm512_reduce_max_pd(_mm512_max_pd(m0, m1));
}

AVX512 static float max_avx512_f32(const float *x, ptrdiff_t n) {
  __m512 m0 = _mm512_set1_ps(-INFINITY), m1 = m0;
  __mmask16 nan = 0;
  ptrdiff_t j = 0;
  for (; j + 32 <= n; j += 32) {
    __m512 a = _mm512_loadu_ps(x + j), b = _mm512_loadu_ps(x + j + 16);
    nan |= _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q);
    m0 = _mm512_max_ps(m0, a);
    m1 = _mm512_max_ps(m1, b);
  }
  for (; j < n; j += 16) {
    __mmask16 k = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
    __m512 a = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), k, x + j);
    nan |= _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q);
    m0 = _mm512_max_ps(m0, a);
  }
  return nan ? NAN : _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
}

#define AVX2 __attribute__((target("avx2")))

AVX2 static double max_avx2_f64(const double *x, ptrdiff_t n) {
  __m256d m0 = _mm256_set1_pd(-INFINITY), m1 = m0, nan = _mm256_setzero_pd();
  ptrdiff_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256d a = _mm256_loadu_pd(x + j), b = _mm256_loadu_pd(x + j + 4);
    nan = _mm256_or_pd(nan, _mm256_cmp_pd(a, b, _CMP_UNORD_Q));
    m0 = _mm256_max_pd(m0, a);
    m1 = _mm256_max_pd(m1, b);
  }
  double lanes[4];
  _mm256_storeu_pd(lanes, _mm256_max_pd(m0, m1));
  double m = scalar_max_f64(x + j, n - j);
  if (_mm256_movemask_pd(nan) || m != m) return NAN;
  for (int l = 0; l < 4; l++) m = lanes[l] > m ? lanes[l] : m;
  return m;
}

AVX2 static float max_avx2_f32(const float *x, ptrdiff_t n) {
  __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0, nan = _mm256_setzero_ps();
  ptrdiff_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m256 a = _mm256_loadu_ps(x + j), b = _mm256_loadu_ps(x + j + 8);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
    m0 = _mm256_max_ps(m0, a);
    m1 = _mm256_max_ps(m1, b);
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, _mm256_max_ps(m0, m1));
  float m = scalar_max_f32(x + j, n - j);
  if (_mm256_movemask_ps(nan) || m != m) return NAN;
  for (int l = 0; l < 8; l++) m = lanes[l] > m ? lanes[l] : m;
  return m;
}
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
