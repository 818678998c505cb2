// sum_j exp(x_j - shift) at AVX2 and AVX-512 width (see infalign_simd.h).
//
// The same algorithm as Swift's `VectorExp` (InfAlignMath/VectorExp.swift): Cody-Waite reduction
// x = n ln2 + r with |r| <= ln2/2, the Taylor polynomial of e^r (degree 13 for double, 7 for float: truncation
// below half an ulp) by Horner with fused multiply-adds, and 2^n assembled from the bits of x log2(e) + 1.5 2^p.
// Vectors with a lane outside the fast range (or NaN) use the C library's exp for that vector.
#include "infalign_simd.h"
#include <math.h>

// Scalar fallback for lanes outside the fast range, and the whole kernel where no wide level exists.
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

#if defined(__x86_64__)
#include <immintrin.h>

// Double: exp(x) is normal and finite for x in (-708, 709); float: (-87, 88).
#define LO64 (-708.0)
#define HI64 709.0
#define LO32 (-87.0f)
#define HI32 88.0f

// ---- AVX-512F ----

#define AVX512 __attribute__((target("avx512f")))

AVX512 static inline __m512d exp_avx512_f64(__m512d x) {
  __mmask8 bad = _mm512_cmp_pd_mask(x, _mm512_set1_pd(LO64), _CMP_NGT_UQ) |
                 _mm512_cmp_pd_mask(x, _mm512_set1_pd(HI64), _CMP_NLT_UQ);
  if (bad) {
    double v[8];
    _mm512_storeu_pd(v, x);
    for (int i = 0; i < 8; i++) v[i] = exp(v[i]);
    return _mm512_loadu_pd(v);
  }
  const __m512d magic = _mm512_set1_pd(0x1.8p52);
  __m512d t = _mm512_fmadd_pd(x, _mm512_set1_pd(1.4426950408889634), magic);
  __m512d n = _mm512_sub_pd(t, magic);
  __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0.6931471805598903), x);
  r = _mm512_fnmadd_pd(n, _mm512_set1_pd(5.497923018708371e-14), r);
  __m512d p = _mm512_set1_pd(1.0 / 6227020800.0);
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 479001600.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 39916800.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 3628800.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 362880.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 40320.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 5040.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 720.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 120.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 24.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 6.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.5));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
  // t's low bits hold n; 2^n has exponent field n + 1023.
  __m512i bits = _mm512_sub_epi64(_mm512_castpd_si512(t), _mm512_set1_epi64(0x4338000000000000LL - 1023));
  return _mm512_mul_pd(p, _mm512_castsi512_pd(_mm512_slli_epi64(bits, 52)));
}

AVX512 static inline __m512 exp_avx512_f32(__m512 x) {
  __mmask16 bad = _mm512_cmp_ps_mask(x, _mm512_set1_ps(LO32), _CMP_NGT_UQ) |
                  _mm512_cmp_ps_mask(x, _mm512_set1_ps(HI32), _CMP_NLT_UQ);
  if (bad) {
    float v[16];
    _mm512_storeu_ps(v, x);
    for (int i = 0; i < 16; i++) v[i] = expf(v[i]);
    return _mm512_loadu_ps(v);
  }
  const __m512 magic = _mm512_set1_ps(0x1.8p23f);
  __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(1.442695f), magic);
  __m512 n = _mm512_sub_ps(t, magic);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.0f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  __m512i bits = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4B400000 - 127));
  return _mm512_mul_ps(p, _mm512_castsi512_ps(_mm512_slli_epi32(bits, 23)));
}

AVX512 static double sum_avx512_f64(const double *x, ptrdiff_t n, double shift, double *store) {
  const __m512d s = _mm512_set1_pd(shift);
  __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
  ptrdiff_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m512d e0 = exp_avx512_f64(_mm512_sub_pd(_mm512_loadu_pd(x + j), s));
    __m512d e1 = exp_avx512_f64(_mm512_sub_pd(_mm512_loadu_pd(x + j + 8), s));
    if (store) {
      _mm512_storeu_pd(store + j, e0);
      _mm512_storeu_pd(store + j + 8, e1);
    }
    acc0 = _mm512_add_pd(acc0, e0);
    acc1 = _mm512_add_pd(acc1, e1);
  }
  for (; j < n; j += 8) {
    // The last (possibly partial) vector: inactive lanes hold 0, whose exp is never added or stored.
    __mmask8 m = n - j >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (n - j)) - 1);
    __m512d e = exp_avx512_f64(_mm512_maskz_sub_pd(m, _mm512_maskz_loadu_pd(m, x + j), s));
    if (store) _mm512_mask_storeu_pd(store + j, m, e);
    acc0 = _mm512_mask_add_pd(acc0, m, acc0, e);
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
}

AVX512 static float sum_avx512_f32(const float *x, ptrdiff_t n, float shift, float *store) {
  const __m512 s = _mm512_set1_ps(shift);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  ptrdiff_t j = 0;
  for (; j + 32 <= n; j += 32) {
    __m512 e0 = exp_avx512_f32(_mm512_sub_ps(_mm512_loadu_ps(x + j), s));
    __m512 e1 = exp_avx512_f32(_mm512_sub_ps(_mm512_loadu_ps(x + j + 16), s));
    if (store) {
      _mm512_storeu_ps(store + j, e0);
      _mm512_storeu_ps(store + j + 16, e1);
    }
    acc0 = _mm512_add_ps(acc0, e0);
    acc1 = _mm512_add_ps(acc1, e1);
  }
  for (; j < n; j += 16) {
    __mmask16 m = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
    __m512 e = exp_avx512_f32(_mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + j), s));
    if (store) _mm512_mask_storeu_ps(store + j, m, e);
    acc0 = _mm512_mask_add_ps(acc0, m, acc0, e);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

// ---- AVX2 + FMA ----

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline __m256d exp_avx2_f64(__m256d x) {
  __m256d bad = _mm256_or_pd(_mm256_cmp_pd(x, _mm256_set1_pd(LO64), _CMP_NGT_UQ),
                             _mm256_cmp_pd(x, _mm256_set1_pd(HI64), _CMP_NLT_UQ));
  if (_mm256_movemask_pd(bad)) {
    double v[4];
    _mm256_storeu_pd(v, x);
    for (int i = 0; i < 4; i++) v[i] = exp(v[i]);
    return _mm256_loadu_pd(v);
  }
  const __m256d magic = _mm256_set1_pd(0x1.8p52);
  __m256d t = _mm256_fmadd_pd(x, _mm256_set1_pd(1.4426950408889634), magic);
  __m256d n = _mm256_sub_pd(t, magic);
  __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(0.6931471805598903), x);
  r = _mm256_fnmadd_pd(n, _mm256_set1_pd(5.497923018708371e-14), r);
  __m256d p = _mm256_set1_pd(1.0 / 6227020800.0);
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 479001600.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 39916800.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 3628800.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 362880.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 40320.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 5040.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 720.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 120.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 24.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0 / 6.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.5));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0));
  p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0));
  __m256i bits = _mm256_sub_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(0x4338000000000000LL - 1023));
  return _mm256_mul_pd(p, _mm256_castsi256_pd(_mm256_slli_epi64(bits, 52)));
}

AVX2 static inline __m256 exp_avx2_f32(__m256 x) {
  __m256 bad = _mm256_or_ps(_mm256_cmp_ps(x, _mm256_set1_ps(LO32), _CMP_NGT_UQ),
                            _mm256_cmp_ps(x, _mm256_set1_ps(HI32), _CMP_NLT_UQ));
  if (_mm256_movemask_ps(bad)) {
    float v[8];
    _mm256_storeu_ps(v, x);
    for (int i = 0; i < 8; i++) v[i] = expf(v[i]);
    return _mm256_loadu_ps(v);
  }
  const __m256 magic = _mm256_set1_ps(0x1.8p23f);
  __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(1.442695f), magic);
  __m256 n = _mm256_sub_ps(t, magic);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 5040);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  __m256i bits = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000 - 127));
  return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23)));
}

AVX2 static double sum_avx2_f64(const double *x, ptrdiff_t n, double shift, double *store) {
  const __m256d s = _mm256_set1_pd(shift);
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  ptrdiff_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256d e0 = exp_avx2_f64(_mm256_sub_pd(_mm256_loadu_pd(x + j), s));
    __m256d e1 = exp_avx2_f64(_mm256_sub_pd(_mm256_loadu_pd(x + j + 4), s));
    if (store) {
      _mm256_storeu_pd(store + j, e0);
      _mm256_storeu_pd(store + j + 4, e1);
    }
    acc0 = _mm256_add_pd(acc0, e0);
    acc1 = _mm256_add_pd(acc1, e1);
  }
  acc0 = _mm256_add_pd(acc0, acc1);
  double lanes[4];
  _mm256_storeu_pd(lanes, acc0);
  double sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  return sum + scalar_sum_f64(x + j, n - j, shift, store ? store + j : NULL);
}

AVX2 static float sum_avx2_f32(const float *x, ptrdiff_t n, float shift, float *store) {
  const __m256 s = _mm256_set1_ps(shift);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  ptrdiff_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m256 e0 = exp_avx2_f32(_mm256_sub_ps(_mm256_loadu_ps(x + j), s));
    __m256 e1 = exp_avx2_f32(_mm256_sub_ps(_mm256_loadu_ps(x + j + 8), s));
    if (store) {
      _mm256_storeu_ps(store + j, e0);
      _mm256_storeu_ps(store + j + 8, e1);
    }
    acc0 = _mm256_add_ps(acc0, e0);
    acc1 = _mm256_add_ps(acc1, e1);
  }
  acc0 = _mm256_add_ps(acc0, acc1);
  float lanes[8];
  _mm256_storeu_ps(lanes, acc0);
  float sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  return sum + scalar_sum_f32(x + j, n - j, shift, store ? store + j : NULL);
}
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
